"""Strict reader of Pol.is open-data exports.

Every file is parsed as CSV (comment bodies may span lines); a malformed record
raises :class:`PolisFormatError` naming the file, the line where the record starts
and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from indaba.consult.matrix import VoteMatrix
from indaba.consult.polis_format import (
    COMMENTS_HEADER,
    COMMENTS_HEADER_NEW,
    PARTICIPANT_HEADER,
    PARTICIPANT_HEADER_XID,
    VOTES_HEADER,
    PolisComment,
    PolisConversation,
    PolisFormatError,
    PolisParticipant,
    PolisVote,
)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line of the record's start, fields) for every record, header included."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise PolisFormatError(path.name, 0, f"cannot open file ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        start = 1
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise PolisFormatError(path.name, start, f"bad CSV ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise PolisFormatError(path.name, start, "not UTF-8 text") from exc


def _int(path: Path, line: int, column: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PolisFormatError(path.name, line, f"{column} is not an integer: {text!r}") from None


def _vote(path: Path, line: int, column: str, text: str) -> int:
    value = _int(path, line, column, text)
    if value not in (-1, 0, 1):
        raise PolisFormatError(path.name, line, f"{column} must be -1, 0 or 1, got {value}")
    return value


def _bool(path: Path, line: int, column: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise PolisFormatError(path.name, line, f"{column} must be true or false, got {text!r}")
    return text == "true"


def _checked(path: Path, *headers: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """Records after a header that must be one of ``headers``; yields the header first."""
    rows = _records(path)
    first = next(rows, None)
    if first is None:
        raise PolisFormatError(path.name, 1, "empty file, expected a header")
    if tuple(first[1]) not in headers:
        raise PolisFormatError(path.name, 1, f"header must be {','.join(headers[0])}")
    expected = tuple(first[1])
    yield 1, first[1]
    for line, row in rows:
        if len(row) != len(expected):
            raise PolisFormatError(
                path.name, line, f"expected {len(expected)} fields, found {len(row)}")
        yield line, row


def read_comments(path: Path) -> tuple[list[PolisComment], tuple[str, ...]]:
    """Parse ``comments.csv`` (either layout): (comments, header); ids must be unique."""
    out: list[PolisComment] = []
    seen: set[int] = set()
    rows = _checked(path, COMMENTS_HEADER, COMMENTS_HEADER_NEW)
    header = tuple(next(rows)[1])
    for line, row in rows:
        r = dict(zip(header, row, strict=True))
        cid = _int(path, line, "comment-id", r["comment-id"])
        if cid in seen:
            raise PolisFormatError(path.name, line, f"duplicate comment-id {cid}")
        seen.add(cid)
        newer = "is-meta" in r
        out.append(PolisComment(
            _int(path, line, "timestamp", r["timestamp"]), r.get("datetime", ""), cid,
            _int(path, line, "author-id", r["author-id"]), _int(path, line, "agrees", r["agrees"]),
            _int(path, line, "disagrees", r["disagrees"]),
            _vote(path, line, "moderated", r["moderated"]), r["comment-body"],
            is_meta=newer and _bool(path, line, "is-meta", r["is-meta"]),
            is_seed=newer and _bool(path, line, "is-seed", r["is-seed"]),
            group_informed_consensus=r.get("group-informed-consensus", "")))
    return out, header


def read_votes(path: Path) -> list[PolisVote]:
    """Parse ``votes.csv`` (vote events, 1 agree / -1 disagree / 0 pass)."""
    return [
        PolisVote(_int(path, line, "timestamp", r[0]), r[1],
                  _int(path, line, "comment-id", r[2]), _int(path, line, "voter-id", r[3]),
                  _vote(path, line, "vote", r[4]))
        for line, r in list(_checked(path, VOTES_HEADER))[1:]
    ]


def read_participants_votes(path: Path) -> tuple[list[PolisParticipant], tuple[int, ...], bool]:
    """Parse ``participants-votes.csv``: (participants, comment columns, has xid)."""
    rows = _records(path)
    first = next(rows, None)
    if first is None:
        raise PolisFormatError(path.name, 1, "empty file, expected a header")
    header = tuple(first[1])
    has_xid = header[1:2] == ("xid",)
    fixed = PARTICIPANT_HEADER_XID if has_xid else PARTICIPANT_HEADER
    if header[: len(fixed)] != fixed:
        raise PolisFormatError(path.name, 1, f"header must start with {','.join(fixed)}")
    columns = tuple(_int(path, 1, "comment column", c) for c in header[len(fixed):])
    if len(set(columns)) != len(columns):
        raise PolisFormatError(path.name, 1, "duplicate comment column")
    out: list[PolisParticipant] = []
    o = 1 if has_xid else 0
    for line, r in rows:
        if len(r) != len(header):
            raise PolisFormatError(path.name, line,
                                   f"expected {len(header)} fields, found {len(r)}")
        votes = {c: _vote(path, line, f"vote on comment {c}", x)
                 for c, x in zip(columns, r[len(fixed):], strict=True) if x != ""}
        group = None if r[1 + o] == "" else _int(path, line, "group-id", r[1 + o])
        out.append(PolisParticipant(
            _int(path, line, "participant", r[0]), r[1] if has_xid else None, group,
            _int(path, line, "n-comments", r[2 + o]), _int(path, line, "n-votes", r[3 + o]),
            _int(path, line, "n-agree", r[4 + o]), _int(path, line, "n-disagree", r[5 + o]),
            votes))
    return out, columns, has_xid


def read_summary(path: Path) -> list[tuple[str, str]]:
    """Parse ``summary.csv`` (key, value rows; no header)."""
    out: list[tuple[str, str]] = []
    for line, r in _records(path):
        if len(r) != 2:
            raise PolisFormatError(path.name, line, f"expected 2 fields, found {len(r)}")
        out.append((r[0], r[1]))
    return out


def read_polis_export(directory: str | Path) -> PolisConversation:
    """Read a conversation folder; votes.csv and participants-votes.csv are optional."""
    d = Path(directory)
    votes_path, pv_path = d / "votes.csv", d / "participants-votes.csv"
    participants, columns, has_xid = (read_participants_votes(pv_path) if pv_path.exists()
                                      else (None, (), False))
    comments, comments_header = read_comments(d / "comments.csv")
    return PolisConversation(
        comments=comments, comments_header=comments_header,
        summary=read_summary(d / "summary.csv"),
        votes=read_votes(votes_path) if votes_path.exists() else None,
        participants=participants, vote_columns=columns, has_xid=has_xid,
    )


def polis_vote_matrix(conv: PolisConversation) -> VoteMatrix:
    """The vote matrix (latest vote per pair), from votes.csv or else participants-votes.csv."""
    mod = conv.moderated_out
    if conv.votes is not None:
        v = conv.votes
        return VoteMatrix.from_votes(
            [x.voter_id for x in v], [x.comment_id for x in v], [x.vote for x in v],
            timestamp=[x.timestamp for x in v], moderated_out=mod)
    if conv.participants is None:
        raise ValueError("the conversation has neither votes.csv nor participants-votes.csv.")
    pids = np.array([p.participant for p in conv.participants for _ in p.votes], dtype=np.int64)
    cids = np.array([c for p in conv.participants for c in p.votes], dtype=np.int64)
    vals = np.array([x for p in conv.participants for x in p.votes.values()], dtype=np.int64)
    return VoteMatrix.from_votes(pids, cids, vals, moderated_out=mod)
