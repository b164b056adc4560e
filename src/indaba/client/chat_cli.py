"""``indaba chat INVITE_URL``: a terminal chat in a session, end-to-end encrypted."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from indaba.client.envelope import decode
from indaba.client.http import ApiError
from indaba.client.member import Joined, Message, Refused, Removed, RosterChanged, Undecryptable
from indaba.client.session import ChatClosed, ChatSession
from indaba.client.verification import verification_code

HELP = (
    "Type a message and press Enter. /members lists key holders, /code shows the verification"
    " code, /leave leaves, /quit quits."
)


def _line(event: object) -> str | None:
    if isinstance(event, Message):
        who = "you" if event.own else event.sender[:8]
        content = decode(event.data)  # the browsers' envelope (docs/delivery.md)
        if content is None:
            return f"! [{event.seq}] {who}: an unreadable message"
        if content.type == "delete":
            return f"* [{event.seq}] {who} deleted one of their messages"
        if content.type == "timer":
            return f"* [{event.seq}] {who} set disappearing messages to {content.seconds} s"
        return f"[{event.seq}] {who}: {content.body}"
    if isinstance(event, Joined):
        return f"* joined the encrypted group (epoch {event.epoch})"
    if isinstance(event, RosterChanged):
        return f"* epoch {event.epoch}: {len(event.members)} key holder(s)"
    if isinstance(event, Removed):
        return f"* you were removed ({event.by})"
    if isinstance(event, Refused):
        return f"! refused: {event.reason}: {event.message}"
    if isinstance(event, Undecryptable):
        return f"! message {event.seq} could not be decrypted: {event.reason}"
    return None


async def chat(
    invite_url: str,
    name: str,
    language: str,
    session_id: str | None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    try:
        session = await ChatSession.from_invite(invite_url, name, language, session_id)
    except (ApiError, ValueError, OSError) as exc:
        print(f"indaba chat: {exc}", file=sys.stderr)
        return 1
    print(HELP, file=stdout, flush=True)

    async def show() -> None:
        async for event in session.events():
            text = _line(event)
            if text:
                print(text, file=stdout, flush=True)

    printer = asyncio.create_task(show())
    try:
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() == "/quit":
                break
            text = line.rstrip("\n")
            if text == "/leave":
                await session.leave()
                print("* left the session", file=stdout, flush=True)
                return 0
            if text == "/members":
                print("* " + ", ".join(session.member.members()), file=stdout, flush=True)
            elif text == "/code":
                group = session.member.group
                code = verification_code(group) if group is not None else "not joined yet"
                print(f"* verification code: {code}", file=stdout, flush=True)
            elif text:
                try:
                    await session.send(text.encode("utf-8"))
                except RuntimeError as exc:
                    print(f"! {exc}", file=stdout, flush=True)
            if printer.done():
                break
    finally:
        printer.cancel()
        await session.close()
    if printer.done() and not printer.cancelled() and isinstance(printer.exception(), ChatClosed):
        print(f"* {printer.exception()}", file=stdout, flush=True)
        return 1
    return 0
