"""A demo dialogue for a fresh install: sessions and fresh invite links on every run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from indaba.dialogues import dialogues, invites, sessions
from indaba.dialogues.access import Member
from indaba.store import open_database
from indaba.store.schema import dialogues as dialogues_table
from indaba.store.schema import members

DEMO_TITLE = "The world we want in 2045 (demo)"


@dataclass(frozen=True)
class DemoLinks:
    dialogue_id: str
    participant_invite: str
    facilitator_invite: str


async def seed_demo(database_url: str, now: datetime) -> DemoLinks:
    """Create the demo dialogue once; every call returns new invite links to it."""
    database = open_database(database_url)
    try:
        async with database.engine.begin() as conn:
            existing = (
                await conn.execute(
                    select(dialogues_table.c.id).where(dialogues_table.c.title == DEMO_TITLE)
                )
            ).first()
            if existing is None:
                dialogue, _member, _token = await dialogues.create_dialogue(
                    conn,
                    dialogues.NewDialogue(
                        title=DEMO_TITLE,
                        description=(
                            "A demonstration dialogue: small interpreted conversations about "
                            "the future we want, and a consultation anyone can verify."
                        ),
                        prompts=[
                            "What future do you want in 25 years?",
                            "What stands in the way, and what would help?",
                        ],
                        languages=["en", "fr", "es", "ar", "zh", "ru"],
                        opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(days=365),
                        convener_name="Demo convener",
                        convener_language="en",
                    ),
                    now,
                )
                dialogue_id = dialogue["id"]
            else:
                dialogue_id = existing[0]
            convener_row = (
                (
                    await conn.execute(
                        select(members).where(
                            members.c.dialogue_id == dialogue_id, members.c.role == "convener"
                        )
                    )
                )
                .mappings()
                .one()
            )
            convener = Member(
                id=convener_row["id"],
                dialogue_id=dialogue_id,
                role="convener",
                display_name=convener_row["display_name"],
                language=convener_row["language"],
            )
            if existing is None:
                for hours, topic in ((1, "Climate and livelihoods"), (3, "Peace and trust")):
                    await sessions.create_session(
                        conn,
                        convener,
                        dialogue_id,
                        sessions.NewSession(
                            topic=topic,
                            languages=["en", "fr", "es"],
                            capacity=12,
                            starts_at=now + timedelta(hours=hours),
                            ends_at=now + timedelta(hours=hours + 1),
                            facilitator_id=None,
                        ),
                        now,
                    )
            participant = await invites.create_invite(
                conn,
                convener,
                invites.NewInvite("participant", None, now + timedelta(days=30), None),
                now,
            )
            facilitator = await invites.create_invite(
                conn,
                convener,
                invites.NewInvite("facilitator", None, now + timedelta(days=30), 5),
                now,
            )
        return DemoLinks(dialogue_id, participant["url"], facilitator["url"])
    finally:
        await database.close()
