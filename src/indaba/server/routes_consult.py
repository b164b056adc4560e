"""The consultation: statements, votes, reports, moderation, own data, the opinion map."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from indaba.contributions import mine, moderation, opinion, polis_interchange, statements, votes
from indaba.dialogues.access import require_member_of, require_role
from indaba.server.context import caller, state, transaction
from indaba.server.schemas import ModerationIn, ReportIn, StatementIn, TranslationIn, VoteIn

router = APIRouter(prefix="/api", tags=["consultation"])
MODERATORS = ("convener", "facilitator")


@router.post("/dialogues/{dialogue_id}/statements", status_code=201)
async def submit_statement(dialogue_id: str, body: StatementIn, request: Request) -> dict[str, Any]:
    """Contribute a statement; it goes to the convener and is published in aggregate."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        return await statements.submit_statement(
            conn, member, body.prompt_index, body.text, body.language, state(request).clock()
        )


@router.get("/dialogues/{dialogue_id}/statements/next")
async def next_statement(
    dialogue_id: str,
    request: Request,
    prompt_index: int | None = Query(None, ge=0, le=9),
    skip: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The next card to vote on, in the reader's language when a translation exists.

    ``skip`` names statements the reader passed over without voting (kept by the client);
    ``remaining`` counts the unvoted, unskipped cards of the same prompt.
    """
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        skipped = skip or []
        card = await statements.next_statement(conn, member, prompt_index, skipped)
        remaining = await statements.remaining_count(conn, member, prompt_index, skipped)
    return {"statement": card, "remaining": remaining}


@router.put("/statements/{statement_id}/vote")
async def vote(statement_id: str, body: VoteIn, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return await votes.cast_vote(conn, member, statement_id, body.vote, state(request).clock())


@router.post("/statements/{statement_id}/translations", status_code=201)
async def add_translation(
    statement_id: str, body: TranslationIn, request: Request
) -> dict[str, Any]:
    """A facilitator or convener adds a human translation of a statement."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_role(member, MODERATORS, "add translations")
        return await statements.add_translation(
            conn, member, statement_id, body.language, body.text, "human", state(request).clock()
        )


@router.post("/statements/{statement_id}/report", status_code=201)
async def report(statement_id: str, body: ReportIn, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return await moderation.report_statement(
            conn, member, statement_id, body.reason, state(request).clock()
        )


@router.get("/dialogues/{dialogue_id}/moderation")
async def moderation_queue(
    dialogue_id: str,
    request: Request,
    status: Literal["unmoderated", "accepted"] = "unmoderated",
) -> list[dict[str, Any]]:
    """Statements awaiting a decision, or (``status=accepted``) those already accepted."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, MODERATORS, "moderate")
        return await moderation.moderation_queue(conn, dialogue_id, status)


@router.post("/statements/{statement_id}/moderate")
async def moderate(statement_id: str, body: ModerationIn, request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_role(member, MODERATORS, "moderate")
        return await moderation.decide(
            conn, member, statement_id, body.action, body.reason, state(request).clock()
        )


@router.get("/dialogues/{dialogue_id}/moderation/log")
async def moderation_log(dialogue_id: str, request: Request) -> list[dict[str, Any]]:
    """Every moderation decision: statement, action, reason, actor role, time."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        return await moderation.moderation_log(conn, dialogue_id)


@router.get("/me/contributions")
async def my_contributions(request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return await mine.my_contributions(conn, member)


@router.delete("/me/contributions")
async def delete_my_contributions(request: Request) -> dict[str, Any]:
    async with transaction(request) as conn:
        member = await caller(conn, request)
        return {"deleted": await mine.delete_my_contributions(conn, member)}


@router.get("/dialogues/{dialogue_id}/opinion-map")
async def opinion_map(dialogue_id: str, request: Request) -> dict[str, Any]:
    """Opinion groups, representative and consensus statements, and where the viewer is."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        return await opinion.opinion_map(conn, state(request).maps, member)


@router.get("/dialogues/{dialogue_id}/export/polis.zip", response_class=Response)
async def export_polis(dialogue_id: str, request: Request) -> Response:
    """The consultation in the Pol.is open-data format (convener only)."""
    async with transaction(request) as conn:
        member = await caller(conn, request)
        require_member_of(member, dialogue_id)
        require_role(member, ["convener"], "export the consultation")
        data = await polis_interchange.export_polis_zip(conn, dialogue_id)
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="indaba-{dialogue_id}-polis.zip"'},
    )
