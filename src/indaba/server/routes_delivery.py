"""The delivery service's endpoints: the WebSocket, KeyPackages, GroupInfo, removal, retention.

Registered in ``app.py`` with one ``include_router``; the router's lifespan opens the
bus (setting ``bus_url``: ``memory://`` by default, or ``nats://host:port``) and closes
every socket with 1001 on shutdown.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, WebSocket
from pydantic import BaseModel, ConfigDict, Field

from indaba.bus import open_bus
from indaba.delivery.admission import admission, may_remove
from indaba.delivery.errors import Rejection
from indaba.delivery.key_packages import (
    MAX_ONE_TIME,
    CheckedKeyPackage,
    check_key_package,
    needs_top_up,
    room_for,
)
from indaba.delivery.retention import validate_retention
from indaba.dialogues.access import Member, require_member_of, require_role
from indaba.dialogues.errors import Conflict, Forbidden, Invalid, NotFound
from indaba.server import delivery_store as store
from indaba.server.context import caller, state, transaction
from indaba.server.gateway import DeliveryRuntime, serve_websocket
from indaba.server.routes_media import revoke_media

PRUNE_EVERY = 60.0
log = logging.getLogger("indaba.delivery")


@asynccontextmanager
async def delivery_lifespan(app: FastAPI) -> AsyncIterator[None]:
    app_state = app.state.indaba
    bus = await open_bus(app_state.settings.bus_url)
    runtime = DeliveryRuntime(app_state.database, bus, app_state.clock)
    app.state.delivery = runtime
    pruner = asyncio.create_task(prune_forever(runtime))
    try:
        yield
    finally:
        pruner.cancel()
        await runtime.close()


async def prune_forever(runtime: DeliveryRuntime, every: float = PRUNE_EVERY) -> None:
    """Delete expired log entries of every group, idle ones included, once a minute."""
    while True:
        await asyncio.sleep(every)
        try:
            async with runtime.database.engine.begin() as conn:
                await store.prune_all(conn, runtime.clock())
        except Exception:
            log.exception("pruning the delivery logs failed")


router = APIRouter(prefix="/api", lifespan=delivery_lifespan)


def runtime_of(request: Request | WebSocket) -> DeliveryRuntime:
    runtime: DeliveryRuntime = request.app.state.delivery
    return runtime


async def websocket(websocket: WebSocket) -> None:
    await serve_websocket(runtime_of(websocket), websocket)


# A plain Starlette route: no per-connection dependency machinery (saves memory per socket).
router.add_websocket_route("/api/ws", websocket, name="delivery_ws")


# ---------------------------------------------------------------------------------------
# KeyPackages


class KeyPackagesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_packages: list[str] = Field(default_factory=list, max_length=MAX_ONE_TIME)
    last_resort: str | None = None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=64)


class RemovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: str = Field(min_length=1, max_length=64)


class DeliverySettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_seconds: int


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("invalid_base64", f"{field} is not base64.", field) from None


def _checked(value: str, field: str, member: Member) -> CheckedKeyPackage:
    try:
        return check_key_package(_b64(value, field), member.id)
    except Rejection as exc:
        raise Invalid(exc.rejected.reason.value, exc.rejected.message, field) from None


def _key_package_status(one_time: int, has_last_resort: bool) -> dict[str, Any]:
    return {
        "one_time_available": one_time,
        "has_last_resort": has_last_resort,
        "top_up": needs_top_up(one_time) or not has_last_resort,
    }


@router.post("/key-packages", status_code=201, tags=["delivery"])
async def upload_key_packages(body: KeyPackagesIn, request: Request) -> dict[str, Any]:
    """Upload one-time KeyPackages and (optionally) a last-resort package."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        one_time = [
            _checked(value, f"key_packages.{i}", member)
            for i, value in enumerate(body.key_packages)
        ]
        last_resort = (
            _checked(body.last_resort, "last_resort", member) if body.last_resort else None
        )
        held, _ = await store.key_package_counts(conn, member.id)
        try:
            room_for(held, len(one_time))
        except Rejection as exc:
            raise Invalid("too_many_key_packages", exc.rejected.message, "key_packages") from None
        now = state(request).clock()
        if not await store.store_key_packages(conn, member.id, one_time, last_resort, now):
            raise Conflict("key_package_reused", "A KeyPackage was uploaded before.")
        return _key_package_status(*await store.key_package_counts(conn, member.id))


@router.get("/key-packages", tags=["delivery"])
async def key_package_status(request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return _key_package_status(*await store.key_package_counts(conn, member.id))


async def _admitted_session(conn: Any, member: Member, session_id: str) -> dict[str, Any]:
    session = await store.session_row(conn, session_id)
    if session is None or session["dialogue_id"] != member.dialogue_id:
        raise NotFound("session_not_found", "No such session in your dialogue.")
    refused = admission(await store.member_facts(conn, member.id, session_id))
    if refused is not None:
        raise Forbidden("not_admitted", refused.message)
    return session


@router.post("/sessions/{session_id}/key-packages/claim", tags=["delivery"])
async def claim_key_package(session_id: str, body: ClaimIn, request: Request) -> dict[str, Any]:
    """Hand out one KeyPackage of an admitted member of the same session."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        await _admitted_session(conn, member, session_id)
        if admission(await store.member_facts(conn, body.member_id, session_id)) is not None:
            raise Forbidden("not_admitted", "That member is not admitted to this session.")
        claimed = await store.claim_key_package(conn, body.member_id)
        if claimed is None:
            raise NotFound("no_key_package", "That member has no KeyPackage left.")
        data, last_resort = claimed
        return {
            "member_id": body.member_id,
            "key_package": base64.b64encode(data).decode("ascii"),
            "last_resort": last_resort,
        }


# ---------------------------------------------------------------------------------------
# the group: state, GroupInfo, removal


@router.get("/sessions/{session_id}/group", tags=["delivery"])
async def get_group(session_id: str, request: Request) -> dict[str, Any]:
    """The group's epoch, head and roster (every key holder, named, with role)."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        await _admitted_session(conn, member, session_id)
        group = await store.load_group(conn, session_id)
        if group is None:
            raise NotFound("no_group", "This session has no group yet.")
        admitted = await store.admitted_ids(conn, session_id)
        names = await store.display_names(conn, group.roster)
    roster = [
        {
            "member_id": member_id,
            "display_name": names.get(member_id, ("", ""))[0] or None,
            "role": names.get(member_id, ("", ""))[1] or None,
            "admitted": member_id in admitted,
        }
        for member_id in sorted(group.roster)
    ]
    return {
        "session_id": session_id,
        "group_id": base64.b64encode(group.group_id).decode("ascii"),
        "cipher_suite": group.cipher_suite,
        "epoch": group.epoch,
        "head": group.head,
        "roster": roster,
        "pending_removals": sorted(group.roster - admitted),
    }


@router.get("/sessions/{session_id}/group-info", tags=["delivery"])
async def get_group_info(session_id: str, request: Request) -> dict[str, Any]:
    """The current epoch's GroupInfo, for a join by external commit."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        await _admitted_session(conn, member, session_id)
        group = await store.load_group(conn, session_id)
        if group is None:
            raise NotFound("no_group", "This session has no group yet.")
    return {
        "epoch": group.epoch,
        "head": group.head,
        "group_info": base64.b64encode(group.group_info).decode("ascii"),
    }


@router.post("/sessions/{session_id}/removals", tags=["delivery"])
async def remove_member(session_id: str, body: RemovalIn, request: Request) -> dict[str, Any]:
    """Remove a member from the session (leaving, when it is yourself)."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        session = await store.session_row(conn, session_id)
        if session is None or session["dialogue_id"] != member.dialogue_id:
            raise NotFound("session_not_found", "No such session in your dialogue.")
        target = await store.member_facts(conn, body.member_id, session_id)
        if target.role == "unknown":
            raise NotFound("member_not_found", "No such member.")
        facilitator = session["facilitator_id"]
        refused = may_remove(
            member.id, member.role, str(facilitator) if facilitator else None, target
        )
        if refused is not None:
            raise Forbidden("forbidden_role", refused)
        by = "self" if member.id == body.member_id else member.role
        await store.remove_member(
            conn,
            session_id,
            body.member_id,
            None if by == "self" else member.role,
            state(request).clock(),
        )
    await runtime_of(request).member_removed(session_id, body.member_id, by)
    await revoke_media(request, session_id, body.member_id)
    return {"session_id": session_id, "member_id": body.member_id, "removed_by": by}


# ---------------------------------------------------------------------------------------
# retention


@router.get("/dialogues/{dialogue_id}/delivery-settings", tags=["delivery"])
async def get_delivery_settings(dialogue_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        return {"retention_seconds": await store.retention_for(conn, dialogue_id)}


@router.put("/dialogues/{dialogue_id}/delivery-settings", tags=["delivery"])
async def put_delivery_settings(
    dialogue_id: str, body: DeliverySettingsIn, request: Request
) -> dict[str, Any]:
    """Set how long the dialogue's conversation logs are kept (convener)."""
    try:
        seconds = validate_retention(body.retention_seconds)
    except ValueError as exc:
        raise Invalid("invalid_retention", str(exc), "retention_seconds") from None
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener"], "set retention")
        await store.set_retention(conn, dialogue_id, seconds, state(request).clock())
        return {"retention_seconds": seconds}
