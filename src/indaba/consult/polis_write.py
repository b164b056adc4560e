"""Writer of Pol.is open-data exports, and an export built from Indaba's own data.

Files are written as Pol.is writes them (minimal CSV quoting, ``\\n`` line ends), so
that reading an export and writing it back gives the same bytes.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from indaba.consult.matrix import VoteMatrix
from indaba.consult.polis_format import (
    COMMENTS_HEADER,
    PARTICIPANT_HEADER,
    PARTICIPANT_HEADER_XID,
    VOTES_HEADER,
    PolisComment,
    PolisConversation,
    PolisParticipant,
    PolisVote,
)


def _write(path: Path, rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _comment_row(c: PolisComment, header: tuple[str, ...]) -> list[object]:
    values: dict[str, object] = {
        "timestamp": c.timestamp, "datetime": c.datetime, "comment-id": c.comment_id,
        "author-id": c.author_id, "agrees": c.agrees, "disagrees": c.disagrees,
        "moderated": c.moderated, "is-meta": str(c.is_meta).lower(),
        "is-seed": str(c.is_seed).lower(),
        "group-informed-consensus": c.group_informed_consensus, "comment-body": c.body,
    }
    return [values[h] for h in header]


def _participant_row(p: PolisParticipant, columns: tuple[int, ...], xid: bool) -> list[object]:
    head: list[object] = [p.participant] + ([p.xid or ""] if xid else [])
    head += ["" if p.group_id is None else p.group_id, p.n_comments, p.n_votes, p.n_agree,
             p.n_disagree]
    return head + [p.votes.get(c, "") for c in columns]


def write_polis_export(conv: PolisConversation, directory: str | Path) -> None:
    """Write comments.csv, summary.csv and, when present, votes and participants-votes."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _write(d / "comments.csv", [conv.comments_header,
                                *(_comment_row(c, conv.comments_header) for c in conv.comments)])
    _write(d / "summary.csv", conv.summary)
    if conv.votes is not None:
        _write(d / "votes.csv", [VOTES_HEADER, *(
            (v.timestamp, v.datetime, v.comment_id, v.voter_id, v.vote) for v in conv.votes)])
    if conv.participants is not None:
        fixed = PARTICIPANT_HEADER_XID if conv.has_xid else PARTICIPANT_HEADER
        _write(d / "participants-votes.csv", [
            (*fixed, *conv.vote_columns),
            *(_participant_row(p, conv.vote_columns, conv.has_xid) for p in conv.participants)])


def polis_datetime(timestamp_ms: int) -> str:
    """Pol.is's ``datetime`` column (Java ``Date.toString``), in UTC."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(timestamp_ms / 1000))


def conversation_from_votes(
    votes: VoteMatrix,
    comments: Sequence[PolisComment],
    *,
    events: Sequence[PolisVote] | None = None,
    groups: Mapping[int, int] | None = None,
    summary: Sequence[tuple[str, str]] = (),
) -> PolisConversation:
    """A Pol.is export of Indaba data: the matrix gives participants-votes.csv.

    ``groups`` maps participant id to opinion group (e.g. from ``OpinionMap.labels_``);
    ``events`` are the vote events for votes.csv (omitted when None).
    """
    authored: dict[int, int] = {}
    for c in comments:
        authored[c.author_id] = authored.get(c.author_id, 0) + 1
    groups = groups or {}
    participants = []
    for row, pid in enumerate(votes.participant_ids.tolist()):
        lo, hi = votes.indptr[row], votes.indptr[row + 1]
        cells = dict(zip(votes.statement_ids[votes.indices[lo:hi]].tolist(),
                         votes.votes[lo:hi].tolist(), strict=True))
        vals = np.asarray(votes.votes[lo:hi])
        participants.append(PolisParticipant(
            pid, None, groups.get(pid), authored.get(pid, 0), int(hi - lo),
            int(np.sum(vals == 1)), int(np.sum(vals == -1)), cells))
    return PolisConversation(
        comments=list(comments), summary=list(summary),
        votes=None if events is None else list(events), participants=participants,
        vote_columns=tuple(votes.statement_ids.tolist()), has_xid=False,
        comments_header=COMMENTS_HEADER,
    )
