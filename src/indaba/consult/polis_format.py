"""Records of the Pol.is open-data export (compdemocracy/openData).

Four files describe a conversation: ``comments.csv``, ``votes.csv`` (one row per
vote event; 1 agree, -1 disagree, 0 pass), ``participants-votes.csv`` (latest vote
per pair, and Pol.is's own ``group-id``) and ``summary.csv`` (key, value rows).
Moderation in ``comments.csv``: 1 accepted, 0 not yet moderated, -1 moderated out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COMMENTS_HEADER = ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                   "moderated", "comment-body")
# newer exports (bg2050) drop datetime and add three columns
COMMENTS_HEADER_NEW = ("timestamp", "comment-id", "author-id", "agrees", "disagrees",
                       "moderated", "is-meta", "is-seed", "group-informed-consensus",
                       "comment-body")
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_HEADER = ("participant", "group-id", "n-comments", "n-votes", "n-agree",
                      "n-disagree")
PARTICIPANT_HEADER_XID = ("participant", "xid", "group-id", "n-comments", "n-votes", "n-agree",
                          "n-disagree")
SUMMARY_KEYS = ("topic", "url", "views", "voters", "voters-in-conv", "commenters", "comments",
                "groups", "conversation-description")


class PolisFormatError(ValueError):
    """A Pol.is export file is malformed; names the file, the line and the reason."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        super().__init__(f"{file}, line {line}: {reason}")


@dataclass(frozen=True)
class PolisComment:
    timestamp: int
    datetime: str
    comment_id: int
    author_id: int
    agrees: int
    disagrees: int
    moderated: int  # 1 accepted, 0 unmoderated, -1 moderated out
    body: str
    is_meta: bool = False
    is_seed: bool = False
    group_informed_consensus: str = ""  # kept as written, newer exports only


@dataclass(frozen=True)
class PolisVote:
    timestamp: int
    datetime: str
    comment_id: int
    voter_id: int
    vote: int  # 1 agree, -1 disagree, 0 pass


@dataclass(frozen=True)
class PolisParticipant:
    participant: int
    xid: str | None
    group_id: int | None  # None outside Pol.is's clustering
    n_comments: int
    n_votes: int
    n_agree: int
    n_disagree: int
    votes: dict[int, int] = field(default_factory=dict)  # comment id -> latest vote


@dataclass(frozen=True)
class PolisConversation:
    """One export; ``votes`` or ``participants`` may be missing (None)."""

    comments: list[PolisComment]
    summary: list[tuple[str, str]]
    votes: list[PolisVote] | None = None
    participants: list[PolisParticipant] | None = None
    vote_columns: tuple[int, ...] = ()  # comment ids, in participants-votes.csv order
    has_xid: bool = False
    comments_header: tuple[str, ...] = COMMENTS_HEADER

    @property
    def moderated_out(self) -> set[int]:
        """Comments Pol.is leaves out of the math: moderated out, or meta."""
        return {c.comment_id for c in self.comments if c.moderated == -1 or c.is_meta}

    def summary_value(self, key: str) -> str | None:
        return next((v for k, v in self.summary if k == key), None)
