"""Dialogues, members and counts."""

from __future__ import annotations

import hmac
from typing import Any, Literal

from fastapi import APIRouter, Request

from indaba import __version__
from indaba.dialogues import dialogues as service
from indaba.dialogues.access import require_member_of, require_role
from indaba.dialogues.errors import Forbidden, Invalid
from indaba.dialogues.records import dialogue_dict
from indaba.server.context import caller, state, transaction
from indaba.server.schemas import DialogueIn, DialoguePatch

router = APIRouter(prefix="/api")


@router.get("/health", tags=["instance"])
async def health(request: Request) -> dict[str, Any]:
    """Liveness and database reachability."""
    async with transaction(request) as conn:
        await conn.exec_driver_sql("SELECT 1")
    return {"status": "ok", "version": __version__}


@router.get("/instance", tags=["instance"])
async def instance(request: Request) -> dict[str, Any]:
    settings = state(request).settings
    return {
        "name": settings.instance_name,
        "version": __version__,
        "creation_requires_key": settings.creation_key is not None,
    }


@router.post("/dialogues", status_code=201, tags=["dialogues"])
async def create_dialogue(body: DialogueIn, request: Request) -> dict[str, Any]:
    """Create a dialogue; the response holds the convener's credential, shown once."""
    required = state(request).settings.creation_key
    if required is not None:
        given = request.headers.get("x-indaba-creation-key", "")
        if not hmac.compare_digest(given.encode(), required.get_secret_value().encode()):
            raise Forbidden("creation_key_required", "Creating a dialogue needs the creation key.")
    new = service.NewDialogue(
        title=body.title,
        description=body.description,
        prompts=body.prompts,
        languages=body.languages,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        convener_name=body.convener.display_name,
        convener_language=body.convener.language,
    )
    async with transaction(request) as conn:
        dialogue, member, token = await service.create_dialogue(conn, new, state(request).clock())
    return {"dialogue": dialogue, "member": member, "token": token}


@router.get("/me", tags=["dialogues"])
async def me(request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        row = await service.dialogue_row(conn, member.dialogue_id)
        members = await service.list_members(conn, member.dialogue_id, None)
    own = next(m for m in members if m["id"] == member.id)
    return {"member": own, "dialogue": dialogue_dict(row, state(request).clock())}


@router.get("/dialogues/{dialogue_id}", tags=["dialogues"])
async def get_dialogue(dialogue_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        row = await service.dialogue_row(conn, dialogue_id)
    return dialogue_dict(row, state(request).clock())


@router.patch("/dialogues/{dialogue_id}", tags=["dialogues"])
async def patch_dialogue(dialogue_id: str, body: DialoguePatch, request: Request) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None]
    if nulls:
        raise Invalid("invalid_request", f"{nulls[0]}: must not be null", nulls[0])
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener"], "edit a dialogue")
        return await service.update_dialogue(conn, dialogue_id, changes, state(request).clock())


@router.get("/dialogues/{dialogue_id}/members", tags=["dialogues"])
async def list_members(
    dialogue_id: str,
    request: Request,
    role: Literal["convener", "facilitator", "participant"] | None = None,
) -> list[dict[str, Any]]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener", "facilitator"], "list members")
        return await service.list_members(conn, dialogue_id, role)


@router.get("/dialogues/{dialogue_id}/stats", tags=["dialogues"])
async def stats(dialogue_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener"], "see dialogue counts")
        return await service.dialogue_stats(conn, dialogue_id)
