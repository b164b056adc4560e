"""Sessions and invites."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from indaba.dialogues import invites as invite_service
from indaba.dialogues import sessions as session_service
from indaba.dialogues.access import require_member_of, require_role
from indaba.server.context import bearer_token, caller, optional_caller, state, transaction
from indaba.server.routes_media import revoke_media
from indaba.server.schemas import InviteAcceptIn, InviteIn, InvitePreviewIn, SessionIn

router = APIRouter(prefix="/api")


@router.get("/dialogues/{dialogue_id}/sessions", tags=["sessions"])
async def list_sessions(dialogue_id: str, request: Request) -> list[dict[str, Any]]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        return await session_service.list_sessions(conn, dialogue_id, member)


@router.post("/dialogues/{dialogue_id}/sessions", status_code=201, tags=["sessions"])
async def create_session(dialogue_id: str, body: SessionIn, request: Request) -> dict[str, Any]:
    new = session_service.NewSession(
        topic=body.topic,
        languages=body.languages,
        capacity=body.capacity,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        facilitator_id=body.facilitator_id,
    )
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener", "facilitator"], "create sessions")
        return await session_service.create_session(
            conn, member, dialogue_id, new, state(request).clock()
        )


@router.get("/sessions/{session_id}", tags=["sessions"])
async def get_session(session_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return await session_service.get_session(conn, session_id, member)


@router.post("/sessions/{session_id}/join", tags=["sessions"])
async def join_session(session_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return await session_service.join_session(conn, member, session_id, state(request).clock())


@router.post("/sessions/{session_id}/leave", tags=["sessions"])
async def leave_session(session_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        left = await session_service.leave_session(conn, member, session_id)
    # Leaving is a removal of oneself for the delivery service too: it closes the
    # leaver's socket and asks the members' clients to commit a Remove (docs/delivery.md).
    delivery = getattr(request.app.state, "delivery", None)
    if delivery is not None:
        await delivery.member_removed(session_id, member.id, "self")
    await revoke_media(request, session_id, member.id)  # and its media connections
    return left


@router.post("/dialogues/{dialogue_id}/invites", status_code=201, tags=["invites"])
async def create_invite(dialogue_id: str, body: InviteIn, request: Request) -> dict[str, Any]:
    """Create an invite link; its token is in this response only."""
    new = invite_service.NewInvite(
        role=body.role,
        session_id=body.session_id,
        expires_at=body.expires_at,
        max_uses=body.max_uses,
    )
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener", "facilitator"], "create invites")
        return await invite_service.create_invite(conn, member, new, state(request).clock())


@router.get("/dialogues/{dialogue_id}/invites", tags=["invites"])
async def list_invites(dialogue_id: str, request: Request) -> list[dict[str, Any]]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener"], "list invites")
        return await invite_service.list_invites(conn, dialogue_id)


@router.post("/invites/{invite_id}/revoke", tags=["invites"])
async def revoke_invite(invite_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_role(member, ["convener"], "revoke invites")
        return await invite_service.revoke_invite(conn, member, invite_id)


@router.post("/invites/preview", tags=["invites"])
async def preview_invite(body: InvitePreviewIn, request: Request) -> dict[str, Any]:
    """What an invite leads to. The token travels in the body, never in a logged path."""
    async with transaction(request) as conn:
        return await invite_service.preview_invite(conn, body.token, state(request).clock())


@router.post("/invites/accept", status_code=201, tags=["invites"])
async def accept_invite(
    body: InviteAcceptIn, request: Request, response: Response
) -> dict[str, Any]:
    """Join through an invite with a display name and language; resumes a known browser."""
    async with transaction(request) as conn:
        current = await optional_caller(conn, request)
        result, created = await invite_service.accept_invite(
            conn, body.token, body.display_name, body.language, current, state(request).clock()
        )
    if not created:
        response.status_code = 200
        result["token"] = bearer_token(request)
    return result
