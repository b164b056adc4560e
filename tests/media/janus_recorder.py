"""Run inside the test namespace: record a VideoRoom with Janus (``edit`` + ``enable_recording``).

python janus_recorder.py WS_URL TOKEN ROOM SECRET REC_DIR SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys

import websockets


async def main(url: str, token: str, room: int, secret: str, rec_dir: str, seconds: float) -> None:
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("janus-protocol")]
    ) as ws:
        counter = 0

        async def call(message: dict[str, object]) -> dict[str, object]:
            nonlocal counter
            counter += 1
            transaction = f"t{counter}"
            await ws.send(json.dumps({**message, "transaction": transaction, "token": token}))
            while True:
                answer = json.loads(await ws.recv())
                if answer.get("transaction") == transaction and answer.get("janus") != "ack":
                    return dict(answer)

        session = (await call({"janus": "create"}))["data"]["id"]  # type: ignore[index]
        handle = (
            await call(
                {"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"}
            )
        )["data"]["id"]  # type: ignore[index]

        async def room_request(body: dict[str, object]) -> None:
            answer = await call(
                {"janus": "message", "session_id": session, "handle_id": handle, "body": body}
            )
            data = answer["plugindata"]["data"]  # type: ignore[index]
            if "error" in data:
                raise SystemExit(f"Janus refused {body['request']}: {data}")

        await room_request(
            {"request": "edit", "room": room, "secret": secret, "new_rec_dir": rec_dir}
        )
        await room_request(
            {"request": "enable_recording", "room": room, "secret": secret, "record": True}
        )
        await asyncio.sleep(seconds)
        await room_request(
            {"request": "enable_recording", "room": room, "secret": secret, "record": False}
        )


if __name__ == "__main__":
    url, token, room, secret, rec_dir, seconds = sys.argv[1:7]
    asyncio.run(main(url, token, int(room), secret, rec_dir, float(seconds)))
