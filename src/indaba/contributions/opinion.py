"""The opinion map of a dialogue, from its stored votes, shaped for the results view.

The estimator (:class:`indaba.consult.OpinionMap`, its k smoother starting at two groups
as every Pol.is conversation does) is kept per dialogue in memory and
updated with ``partial_fit`` when votes change, as Pol.is updates incrementally; the
result is cached until the votes or the moderation change. Points carry no identity:
the viewer learns only where they themselves stand.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.consult.matrix import VoteMatrix
from indaba.consult.opinion_map import OpinionMap
from indaba.dialogues.access import Member
from indaba.store.schema_consult import statement_translations, statements, votes


def participant_number(member_id: str) -> int:
    """A stable integer for a member id (60 bits of its random hex), for the vote matrix."""
    return int(member_id[:15], 16)


@dataclass
class MapCache:
    """Per-dialogue estimator and last result, keyed by a fingerprint of the votes."""

    estimators: dict[str, OpinionMap] = field(default_factory=dict)
    results: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)


async def _fingerprint(conn: AsyncConnection, dialogue_id: str) -> tuple[Any, ...]:
    vote_state = (
        await conn.execute(
            select(func.count(), func.max(votes.c.updated_at)).where(
                votes.c.dialogue_id == dialogue_id
            )
        )
    ).one()
    statement_state = (
        await conn.execute(
            select(
                func.count(),
                func.sum(func.length(statements.c.status)),
                func.max(statements.c.number),
            ).where(statements.c.dialogue_id == dialogue_id)
        )
    ).one()
    return (*tuple(vote_state), *tuple(statement_state))


async def opinion_map(conn: AsyncConnection, cache: MapCache, viewer: Member) -> dict[str, Any]:
    dialogue_id = viewer.dialogue_id
    lock = cache.locks.setdefault(dialogue_id, asyncio.Lock())
    async with lock:
        fingerprint = await _fingerprint(conn, dialogue_id)
        cached = cache.results.get(dialogue_id)
        if cached is None or cached[0] != fingerprint:
            result = await _compute(conn, cache, dialogue_id)
            cache.results[dialogue_id] = (fingerprint, result)
        else:
            result = cached[1]
    return await _for_viewer(conn, result, viewer)


async def _compute(conn: AsyncConnection, cache: MapCache, dialogue_id: str) -> dict[str, Any]:
    rows = (
        await conn.execute(
            select(votes.c.member_id, statements.c.number, votes.c.value)
            .join(statements, statements.c.id == votes.c.statement_id)
            .where(votes.c.dialogue_id == dialogue_id)
        )
    ).all()
    listed = (
        await conn.execute(
            select(statements.c.number, statements.c.status).where(
                statements.c.dialogue_id == dialogue_id
            )
        )
    ).all()
    base = {
        "participants": 0,
        "votes": len(rows),
        "statements": len(listed),
        "groups": [],
        "consensus": {"agree": [], "disagree": []},
        "points": [],
        "members": {},
    }
    if not rows:
        return base
    matrix = VoteMatrix.from_votes(
        [participant_number(r[0]) for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        statement_ids=[number for number, _ in listed],
        moderated_out=[number for number, status in listed if status == "hidden"],
    )
    estimator = cache.estimators.get(dialogue_id) or OpinionMap(initial_k=2, random_state=0)
    try:
        fitted = await asyncio.to_thread(estimator.partial_fit, matrix)
    except ValueError:
        return base | {"note": "not enough votes yet for an opinion map"}
    cache.estimators[dialogue_id] = fitted
    return _shape(fitted, base)


def _shape(fitted: OpinionMap, base: dict[str, Any]) -> dict[str, Any]:
    included = np.asarray(fitted.included_, dtype=bool)
    labels = np.asarray(fitted.labels_)
    projection = np.asarray(fitted.projection_, dtype=float)
    ids = np.asarray(fitted.participant_ids_)
    points = [
        {
            "x": round(float(projection[i, 0]), 4),
            "y": round(float(projection[i, 1]), 4),
            "group": int(labels[i]),
        }
        for i in np.flatnonzero(included)
    ]
    groups = []
    for group in range(int(fitted.n_groups_)):
        members = projection[(labels == group) & included]
        groups.append(
            {
                "id": group,
                "size": len(members),
                "hull": _hull(members),
                "representative": [
                    {
                        "number": int(rep.statement_id),
                        "repful_for": rep.repful_for,
                        "n_success": int(rep.n_success),
                        "n_trials": int(rep.n_trials),
                        "share": round(float(rep.p_success), 4),
                    }
                    for rep in fitted.repness_[group]
                ],
            }
        )
    consensus = {
        direction: [
            {
                "number": int(c.statement_id),
                "n_success": int(c.n_success),
                "n_trials": int(c.n_trials),
                "share": round(float(c.p_success), 4),
            }
            for c in fitted.consensus_.get(direction, [])
        ]
        for direction in ("agree", "disagree")
    }
    members = {
        int(ids[i]): {"x": points_i["x"], "y": points_i["y"], "group": points_i["group"]}
        for i, points_i in zip(np.flatnonzero(included), points, strict=True)
    }
    return base | {
        "participants": int(included.sum()),
        "groups": groups,
        "consensus": consensus,
        "points": points,
        "members": members,
    }


def _hull(points: np.ndarray[Any, Any]) -> list[list[float]]:
    if len(points) < 3:
        return [[round(float(x), 4), round(float(y), 4)] for x, y in points]
    try:
        hull = ConvexHull(points)
    except QhullError:
        return [[round(float(x), 4), round(float(y), 4)] for x, y in points[:2]]
    return [[round(float(points[v, 0]), 4), round(float(points[v, 1]), 4)] for v in hull.vertices]


async def _for_viewer(
    conn: AsyncConnection, result: dict[str, Any], viewer: Member
) -> dict[str, Any]:
    numbers = {rep["number"] for g in result["groups"] for rep in g["representative"]}
    numbers |= {c["number"] for d in result["consensus"].values() for c in d}
    texts: dict[str, Any] = {}
    if numbers:
        rows = await conn.execute(
            select(
                statements.c.id, statements.c.number, statements.c.text, statements.c.language
            ).where(
                statements.c.dialogue_id == viewer.dialogue_id, statements.c.number.in_(numbers)
            )
        )
        by_id = {}
        for row in rows.mappings():
            texts[str(row["number"])] = {
                "original": {"text": row["text"], "language": row["language"]},
                "translation": None,
            }
            by_id[row["id"]] = str(row["number"])
        translated = await conn.execute(
            select(statement_translations).where(
                statement_translations.c.statement_id.in_(list(by_id)),
                statement_translations.c.language == viewer.language,
            )
        )
        for row in translated.mappings():
            texts[by_id[row["statement_id"]]]["translation"] = {
                "text": row["text"],
                "language": row["language"],
                "source": row["source"],
            }
    public = {key: value for key, value in result.items() if key != "members"}
    return public | {
        "me": result["members"].get(participant_number(viewer.id)),
        "statement_texts": texts,
    }
