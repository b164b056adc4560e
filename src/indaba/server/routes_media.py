"""Media endpoints: status, admission to a session's VideoRoom, and the Janus proxy.

- ``GET /api/media/status`` — ``up``, ``down``, ``starting`` or ``disabled`` (no secrets).
- ``POST /api/sessions/{id}/media`` — for an admitted member of a running session: makes
  sure the room exists and the member's token opens it, and returns a short-lived ticket.
- ``WS /api/media/janus`` — the browser's only way to Janus (CSP ``connect-src 'self'``):
  the first frame is ``{"indaba": "auth", "ticket": …}``; later frames are Janus requests,
  filtered by :mod:`indaba.media.proxy`.  A member who leaves or is removed from the
  session is disconnected at once (``revoke_media``, called where that happens);
  membership is also checked again every few seconds, as a safety net.

Registered in ``app.py`` with one ``include_router``; the router's lifespan starts and stops
the media service (and the local Janus it supervises).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import websockets
from fastapi import APIRouter, FastAPI, Request, WebSocket
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.websockets import WebSocketDisconnect, WebSocketState

from indaba.dialogues.errors import DomainError, Forbidden, NotFound
from indaba.media import tickets
from indaba.media.janus_api import API_SUBPROTOCOL, JanusError
from indaba.media.proxy import Refused, RequestFilter, refusal, transaction_of
from indaba.media.service import MediaService
from indaba.server.context import AppState, caller, state, transaction
from indaba.store import Database
from indaba.store.schema import members, session_members, sessions

log = logging.getLogger("indaba.media")
RECHECK_EVERY = 5.0
AUTH_TIMEOUT = 10.0


class MediaUnavailable(DomainError):
    status = 503


@asynccontextmanager
async def media_lifespan(app: FastAPI) -> AsyncIterator[None]:
    app_state: AppState = app.state.indaba
    service = MediaService.from_settings(app_state.settings)
    app.state.media = service
    database = app_state.database

    async def ended(session_ids: list[str], now: datetime) -> set[str]:
        async with database.engine.connect() as conn:
            return await ended_sessions(conn, session_ids, now)

    delivery = getattr(app.state, "delivery", None)  # its bus reaches the other processes
    if delivery is not None:
        await service.listen(delivery.bus)
    await service.start(ended, app_state.clock)
    try:
        yield
    finally:
        await service.stop()


router = APIRouter(prefix="/api", lifespan=media_lifespan)


def media_of(request: Request | WebSocket) -> MediaService:
    service: MediaService = request.app.state.media
    return service


async def revoke_media(request: Request, session_id: str, member_id: str) -> None:
    """A member left or was removed from a session: close its media connections now."""
    service: MediaService | None = getattr(request.app.state, "media", None)
    if service is not None:
        await service.revoke(session_id, member_id)


async def ended_sessions(conn: AsyncConnection, session_ids: list[str], now: datetime) -> set[str]:
    """Of ``session_ids``, those that have ended or no longer exist."""
    if not session_ids:
        return set()
    rows = await conn.execute(
        select(sessions.c.id, sessions.c.ends_at).where(sessions.c.id.in_(session_ids))
    )
    running = {row.id for row in rows if row.ends_at > now}
    return set(session_ids) - running


async def admitted(
    conn: AsyncConnection, session_id: str, member_id: str, now: datetime
) -> dict[str, Any]:
    """The session row if the member is in it, not banned, and the session is running."""
    row = (
        (
            await conn.execute(
                select(sessions.c.id, sessions.c.capacity, sessions.c.ends_at)
                .select_from(
                    sessions.join(
                        session_members, session_members.c.session_id == sessions.c.id
                    ).join(members, members.c.id == session_members.c.member_id)
                )
                .where(
                    sessions.c.id == session_id,
                    session_members.c.member_id == member_id,
                    members.c.banned.is_(False),
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise Forbidden("not_in_session", "Join the session before joining its media.")
    if now >= row["ends_at"]:
        raise Forbidden("session_ended", "This session has ended.")
    return dict(row)


@router.get("/media/status", tags=["media"])
async def media_status(request: Request) -> dict[str, Any]:
    service = media_of(request)
    return {"status": service.status, "e2ee": "required"}


@router.post("/sessions/{session_id}/media", tags=["media"])
async def join_media(session_id: str, request: Request) -> dict[str, Any]:
    """Admission to the session's VideoRoom (frames are end-to-end encrypted; Janus
    only forwards them)."""
    service = media_of(request)
    now = state(request).clock()
    async with transaction(request) as conn:
        member = await caller(conn, request)
        session = (
            await conn.execute(select(sessions.c.dialogue_id).where(sessions.c.id == session_id))
        ).first()
        if session is None or session[0] != member.dialogue_id:
            raise NotFound("session_not_found", "No such session in your dialogue.")
        row = await admitted(conn, session_id, member.id, now)
    if service.rooms is None:
        raise MediaUnavailable("media_disabled", "Video and audio are not available here.")
    if service.status != "up":
        raise MediaUnavailable(
            "media_unavailable",
            "The media server is not reachable; text conversation continues.",
        )
    try:
        admission = await service.rooms.admit(session_id, member.id, row["capacity"])
    except JanusError as exc:
        log.warning("media admission failed", extra={"code": exc.code})
        raise MediaUnavailable(
            "media_unavailable",
            "The media server is not reachable; text conversation continues.",
        ) from exc
    return {
        "proxy_path": "/api/media/janus",
        "room": admission.room,
        "token": tickets.issue(service.media_secret, session_id, member.id, now),
        "expires_in": tickets.TICKET_SECONDS,
        "ice_servers": [{"urls": url} for url in service.ice_servers],
        "e2ee": "required",
    }


async def _still_admitted(
    database: Database, ticket: tickets.Ticket, now: datetime
) -> dict[str, Any] | None:
    async with database.engine.connect() as conn:
        try:
            return await admitted(conn, ticket.session_id, ticket.member_id, now)
        except DomainError:
            return None


@router.websocket("/media/janus")
async def janus_proxy(websocket: WebSocket) -> None:
    service = media_of(websocket)
    app_state: AppState = websocket.app.state.indaba
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol=API_SUBPROTOCOL if API_SUBPROTOCOL in offered else None)
    try:
        first = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT)
        hello = json.loads(first)
        presented = str(hello.get("ticket", ""))
        ticket = tickets.verify(service.media_secret, presented, app_state.clock())
    except (TimeoutError, ValueError, AttributeError, WebSocketDisconnect):
        await _close(websocket, 4401, "media ticket missing or invalid")
        return
    # Registered before the membership check, so a removal racing with it still closes us.
    revoked = service.connections.open(ticket.session_id, ticket.member_id)
    try:
        await _proxy(websocket, service, app_state, ticket, revoked)
    finally:
        service.connections.close(ticket.session_id, ticket.member_id, revoked)


async def _proxy(
    websocket: WebSocket,
    service: MediaService,
    app_state: AppState,
    ticket: tickets.Ticket,
    revoked: asyncio.Event,
) -> None:
    if service.rooms is None or service.status != "up":
        await _close(websocket, 4503, "media server unavailable")
        return
    row = await _still_admitted(app_state.database, ticket, app_state.clock())
    if row is None or revoked.is_set():
        await _close(websocket, 4403, "not admitted to this session")
        return
    rooms = service.rooms
    try:
        # Janus may have restarted since the ticket was issued: recreate room and token.
        await rooms.admit(ticket.session_id, ticket.member_id, row["capacity"])
    except JanusError:
        await _close(websocket, 4503, "media server unavailable")
        return
    node = rooms.node_for(ticket.session_id)
    request_filter = RequestFilter(
        room=rooms.room_id(ticket.session_id),
        janus_token=rooms.participant_token(ticket.session_id, ticket.member_id),
    )
    try:
        upstream = await websockets.connect(
            node.ws_url,
            subprotocols=[websockets.Subprotocol(API_SUBPROTOCOL)],
            max_size=1024 * 1024,
            open_timeout=5,
        )
    except (OSError, TimeoutError, websockets.WebSocketException):
        await _close(websocket, 4503, "media server unavailable")
        return
    await websocket.send_text(json.dumps({"indaba": "ready"}))
    tasks = [
        asyncio.create_task(_browser_to_janus(websocket, upstream, request_filter)),
        asyncio.create_task(_janus_to_browser(websocket, upstream)),
        asyncio.create_task(_watch_admission(app_state, ticket)),
        asyncio.create_task(_until_revoked(revoked)),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        reason = next(iter(done)).result() if done else None
    except Exception:  # any side failing ends the proxy
        reason = None
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        await upstream.close()
    codes = {"removed": 4403, "janus": 4503}
    await _close(websocket, codes.get(reason or "", 1000), reason or "closed")


async def _browser_to_janus(
    websocket: WebSocket, upstream: Any, request_filter: RequestFilter
) -> str:
    while True:
        try:
            raw = await websocket.receive_text()
        except WebSocketDisconnect:
            return "browser"
        try:
            forwarded = request_filter.inbound(raw)
        except Refused as exc:
            await websocket.send_text(refusal(str(exc), transaction_of(raw)))
            continue
        await upstream.send(forwarded)


async def _janus_to_browser(websocket: WebSocket, upstream: Any) -> str:
    try:
        async for message in upstream:
            await websocket.send_text(message if isinstance(message, str) else message.decode())
    except websockets.WebSocketException:
        pass
    return "janus"


async def _watch_admission(app_state: AppState, ticket: tickets.Ticket) -> str:
    while True:
        await asyncio.sleep(RECHECK_EVERY)
        if await _still_admitted(app_state.database, ticket, app_state.clock()) is None:
            return "removed"


async def _until_revoked(revoked: asyncio.Event) -> str:
    await revoked.wait()
    return "removed"


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.client_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=code, reason=reason)
