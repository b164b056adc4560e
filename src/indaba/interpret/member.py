"""The interpreter member: a visible member of a session's group that translates.

It joins through an invite like anyone else (the Python client, indaba.client), so it
holds the group's keys and appears in every member list under a name that says what it
is: "Interpreter — engines: …, run by: …".  Its first message, repeated whenever someone
joins (a joiner cannot read earlier epochs), is a profile listing all its engines and
its operator.  Then, for each text message in the log::

    Text(id, lang, interpret) from member M
      ├─ M's profile says interpret=false, or the message says so → nothing
      ├─ source language: the message's ``lang``, else M's profile, else identified
      └─ for each language present (members' profiles) other than the source:
           Router.translate → TranslationMessage(ref=id, lang, route, engine) → encrypted

:class:`Interpreter` is sans-I/O (client events in, envelopes to send out);
:func:`run_interpreter` drives it over a :class:`ChatSession`, translating in a worker
thread.  Message content is never logged: only counts and language codes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indaba.client import ChatSession, Joined, Message, RosterChanged
from indaba.client.member import Event as ClientEvent
from indaba.interpret import envelope
from indaba.interpret.base import EngineError, LanguageIdentifier, UnsupportedPair
from indaba.interpret.pipeline import Caption
from indaba.interpret.routing import Router

log = logging.getLogger("indaba.interpret.member")

INTERPRETER_LANGUAGE = "mul"  # ISO 639-2: multiple languages
NAME_LIMIT = 64


def display_name(engines: Sequence[str], operator: str) -> str:
    """The member-list name; shortened to fit, the full list is in the profile message."""
    name = f"Interpreter — engines: {', '.join(engines)}, run by: {operator}"
    if len(name) <= NAME_LIMIT:
        return name
    short = f"Interpreter — engines: {'+'.join(engines)}, run by: {operator}"
    return short if len(short) <= NAME_LIMIT else short[: NAME_LIMIT - 1] + "…"


@dataclass
class Stats:
    translated: int = 0
    opted_out: int = 0
    unroutable: int = 0
    unknown_language: int = 0


@dataclass
class Interpreter:
    """Decides what to translate and builds the envelopes; no I/O."""

    member_id: str
    router: Router
    identifier: LanguageIdentifier | None = None
    engines: tuple[str, ...] = ()
    operator: str = ""
    fallback_languages: tuple[str, ...] = ()
    profiles: dict[str, envelope.Profile] = field(default_factory=dict)
    roster: set[str] = field(default_factory=set)
    stats: Stats = field(default_factory=Stats)

    def own_profile(self) -> bytes:
        return envelope.encode(
            envelope.Profile(INTERPRETER_LANGUAGE, False, display_name(self.engines, self.operator),
                             self.engines, interpreter=True)
        )

    def present_languages(self) -> list[str]:
        """Reading languages of the members present (those who told us), else the fallback."""
        languages = [
            p.lang
            for member, p in sorted(self.profiles.items())
            if not p.interpreter and (not self.roster or member in self.roster)
        ]
        return list(dict.fromkeys(languages or self.fallback_languages))

    def on_event(self, event: ClientEvent) -> list[bytes]:
        """What to send in answer to one client event (translation work included)."""
        if isinstance(event, Joined):
            return [self.own_profile()]
        if isinstance(event, RosterChanged):
            joined = set(event.members) - self.roster - {self.member_id}
            self.roster = set(event.members)
            for gone in set(self.profiles) - self.roster:
                del self.profiles[gone]
            # a joiner cannot read what was sent before it joined: announce again
            return [self.own_profile()] if joined and len(self.roster) > 1 else []
        if isinstance(event, Message) and not event.own:
            return self.on_message(event.seq, event.sender, event.data)
        return []

    def on_message(self, seq: int, sender: str, data: bytes) -> list[bytes]:
        item = envelope.decode(data, seq)
        if isinstance(item, envelope.Profile):
            self.profiles[sender] = item
            return []
        if not isinstance(item, envelope.Text):
            return []
        profile = self.profiles.get(sender)
        if not item.interpret or (profile is not None and not profile.interpret):
            self.stats.opted_out += 1
            return []
        source = item.lang or (profile.lang if profile else None)
        targets = self.present_languages()
        if source is None and self.identifier is not None:
            candidates = frozenset(targets) & self.router.languages()
            source = self.identifier.identify(item.text, candidates)
        if source is None:
            self.stats.unknown_language += 1
            return []
        out: list[bytes] = []
        for target in targets:
            if target == source:
                continue
            try:
                translation = self.router.translate(item.text, source, target)
            except (UnsupportedPair, EngineError):
                self.stats.unroutable += 1
                continue
            self.stats.translated += 1
            out.append(
                envelope.encode(
                    envelope.TranslationMessage(item.id, seq, target, translation.text, source,
                                                translation.route, translation.engine)
                )
            )
        return out

    def captions(self, speaker: str, events: Iterable[object]) -> list[bytes]:
        """Final speech captions from a pipeline, as envelopes for the group."""
        present = set(self.present_languages())
        out: list[bytes] = []
        for event in events:
            if not isinstance(event, Caption) or not event.final:
                continue
            if event.machine_translated and event.language not in present:
                continue
            out.append(
                envelope.encode(
                    envelope.CaptionMessage(speaker, event.utterance, event.language, event.text,
                                            True, event.start, event.end, event.route,
                                            event.engine)
                )
            )
        return out


async def join_as_interpreter(
    invite_url: str, engines: Sequence[str], operator: str, session_id: str | None = None
) -> ChatSession:
    return await ChatSession.from_invite(
        invite_url, display_name(engines, operator), INTERPRETER_LANGUAGE, session_id
    )


async def run_interpreter(
    chat: ChatSession, interpreter: Interpreter, stop: asyncio.Event | None = None
) -> Stats:
    """Answer every event of ``chat`` until it closes or ``stop`` is set."""
    stop = stop or asyncio.Event()
    if chat.member.group is not None:
        await chat.send(interpreter.own_profile())  # already joined before we listened

    async def loop() -> None:
        async for event in chat.events():
            replies = await asyncio.to_thread(interpreter.on_event, event)
            for reply in replies:
                await chat.send(reply)
            if replies and interpreter.stats.translated:
                log.info("translations sent", extra={"count": interpreter.stats.translated})

    task = asyncio.create_task(loop())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, stopper):
        pending.cancel()
    for pending in (task, stopper):
        try:
            await pending
        except (asyncio.CancelledError, Exception) as exc:
            if not isinstance(exc, asyncio.CancelledError):
                log.warning("interpreter stopped: %s", type(exc).__name__)
    return interpreter.stats
