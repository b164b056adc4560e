"""Who may hold keys in a session's group, and who may remove whom.

The service lets a member into a session's group only when the server has admitted
them to that session: a row in ``session_members``, not banned from the dialogue, and
not removed from the session by a facilitator or the convener.
"""

from __future__ import annotations

from dataclasses import dataclass

from indaba.delivery.errors import Reason, Rejected


@dataclass(frozen=True)
class MemberFacts:
    """What the store says about one member and one session."""

    member_id: str
    role: str
    in_session: bool
    banned: bool
    removed: bool


def admission(facts: MemberFacts) -> Rejected | None:
    """``None`` when the member may be in the group, else why not."""
    if facts.banned:
        return Rejected(Reason.NOT_ADMITTED, "You have been removed from this dialogue.")
    if facts.removed:
        return Rejected(Reason.NOT_ADMITTED, "You were removed from this session.")
    if not facts.in_session:
        return Rejected(Reason.NOT_ADMITTED, "Join the session before joining its group.")
    return None


def may_remove(
    actor_id: str, actor_role: str, session_facilitator_id: str | None, target: MemberFacts
) -> str | None:
    """``None`` when ``actor`` may remove ``target`` from the session, else why not.

    Anyone may remove themselves (that is leaving).  The convener may remove anyone
    else; a facilitator may remove participants from a session they facilitate.
    """
    if actor_id == target.member_id:
        return None
    if actor_role == "convener":
        return None
    if actor_role == "facilitator" and session_facilitator_id == actor_id:
        if target.role == "participant":
            return None
        return "A facilitator can remove participants only."
    return "Only the session's facilitator or the convener can remove others."
