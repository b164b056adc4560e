"""Translation routes: direct where an engine has the pair, else through a pivot language.

Routes are shortest paths over the graph of direct pairs of every configured engine;
among equally short ones, a route through a preferred pivot wins (Spanish first: for
English→French, Apertium's en→es→fr is better than its Esperanto route).  The route is
part of every :class:`Translation`, so a reader can see "en → es → fr".
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indaba.interpret.base import Translation, Translator, UnsupportedPair

DEFAULT_PIVOTS = ("es", "en", "fr")


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    engine: Translator


def _rank(path: Sequence[str], pivots: Sequence[str]) -> tuple[int, tuple[int, ...]]:
    order = {code: i for i, code in enumerate(pivots)}
    return len(path), tuple(order.get(code, len(order)) for code in path[1:-1])


def shortest_routes(
    pairs: Iterable[tuple[str, str]], source: str, pivots: Sequence[str] = DEFAULT_PIVOTS
) -> dict[str, tuple[str, ...]]:
    """The best route from ``source`` to every reachable language (breadth first)."""
    graph: dict[str, set[str]] = {}
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)
    best: dict[str, tuple[str, ...]] = {source: (source,)}
    frontier = deque([source])
    while frontier:
        here = frontier.popleft()
        for nxt in sorted(graph.get(here, ())):
            path = (*best[here], nxt)
            if nxt not in best:
                best[nxt] = path
                frontier.append(nxt)
            elif len(best[nxt]) == len(path) and _rank(path, pivots) < _rank(best[nxt], pivots):
                best[nxt] = path
    return best


class Router:
    """Translates along the best route across one or more engines."""

    def __init__(self, engines: Sequence[Translator], pivots: Sequence[str] = DEFAULT_PIVOTS):
        self.engines = list(engines)
        self.pivots = tuple(pivots)
        self._owner: dict[tuple[str, str], Translator] = {}
        for engine in self.engines:  # the first engine listed wins a shared pair
            for pair in sorted(engine.pairs()):
                self._owner.setdefault(pair, engine)

    @property
    def name(self) -> str:
        return "+".join(engine.name for engine in self.engines)

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(self._owner)

    def languages(self) -> frozenset[str]:
        return frozenset(code for pair in self._owner for code in pair)

    def route(self, source: str, target: str) -> tuple[str, ...]:
        if source == target:
            return (source,)
        routes = shortest_routes(self._owner, source, self.pivots)
        if target not in routes:
            reachable = ", ".join(sorted(set(routes) - {source}))
            raise UnsupportedPair(source, target, reachable)
        return routes[target]

    def reachable(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Every (source, target) reachable, with its route."""
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        for source in sorted(self.languages()):
            for target, path in shortest_routes(self._owner, source, self.pivots).items():
                if target != source:
                    out[(source, target)] = path
        return out

    def translate(self, text: str, source: str, target: str) -> Translation:
        path = self.route(source, target)
        engines: list[str] = []
        for a, b in itertools.pairwise(path):
            engine = self._owner[(a, b)]
            text = engine.translate(text, a, b)
            if engine.name not in engines:
                engines.append(engine.name)
        return Translation(text, source, target, path, "+".join(engines) or "none")

    def close(self) -> None:
        for engine in self.engines:
            engine.close()
