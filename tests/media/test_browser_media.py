"""Encrypted media end to end: Janus, the server and Chromium in a network namespace.

Three participants share the epoch's key and decode one another; a participant with a
wrong key, and one with no key for that epoch, decode nothing; after a rekey that leaves
one participant out, it stops decoding while the others carry on.  Key material is
pushed into each page as the conversation client would (``indaba:media-epoch``).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.media.netns import ROOT, Namespace, missing_requirement, namespace, wait_for_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(missing_requirement() is not None, reason=str(missing_requirement())),
]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
MEDIA_SECRET = "media-test-secret"


@dataclass
class Server:
    ns: Namespace
    port: int
    directory: Path

    @property
    def api(self) -> str:
        return f"http://{self.ns.ns_ip}:{self.port}"

    @property
    def browser_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"  # a secure context inside the namespace


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("media")
    port = 18000 + secrets.randbelow(2000)
    with namespace() as ns:
        env = {
            **os.environ,
            "INDABA_MEDIA_ENABLED": "true",
            "INDABA_MEDIA_SECRET": MEDIA_SECRET,
            "INDABA_MEDIA_RTP_PORTS": "40000-40400",
        }
        log = (directory / "server.log").open("wb")
        process = subprocess.Popen(
            [
                *ns.exec_prefix(),
                str(ROOT / ".venv" / "bin" / "indaba"),
                "serve",
                "--host",
                "0.0.0.0",
                "--port",
                str(port),
                "--database",
                f"sqlite+aiosqlite:///{directory / 'indaba.sqlite3'}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_for_port(ns.ns_ip, port)
            deadline = time.monotonic() + 30
            while httpx.get(f"http://{ns.ns_ip}:{port}/api/media/status").json()["status"] != "up":
                assert time.monotonic() < deadline, "Janus did not come up"
                time.sleep(0.2)
            yield Server(ns, port, directory)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


@dataclass
class Room:
    dialogue_id: str
    session_id: str
    tokens: list[str]


def make_room(server: Server, people: int) -> Room:
    with httpx.Client(base_url=server.api) as http:
        created = http.post(
            "/api/dialogues",
            json={
                "title": "Media test",
                "description": "",
                "prompts": ["?"],
                "languages": ["en"],
                "opens_at": "2020-01-01T00:00:00Z",
                "closes_at": "2099-01-01T00:00:00Z",
                "convener": {"display_name": "P0", "language": "en"},
            },
        )
        assert created.status_code == 201, created.text
        dialogue = created.json()["dialogue"]["id"]
        tokens = [created.json()["token"]]
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        session = http.post(
            f"/api/dialogues/{dialogue}/sessions",
            json={
                "topic": "Media",
                "languages": ["en"],
                "capacity": 10,
                "starts_at": "2020-01-01T00:00:00Z",
                "ends_at": "2099-01-01T00:00:00Z",
            },
            headers=auth,
        ).json()["id"]
        for n in range(1, people):
            invite = http.post(f"/api/dialogues/{dialogue}/invites", json={}, headers=auth).json()
            accepted = http.post(
                "/api/invites/accept",
                json={"token": invite["token"], "display_name": f"P{n}", "language": "en"},
            )
            tokens.append(accepted.json()["token"])
        for token in tokens:
            joined = http.post(
                f"/api/sessions/{session}/join", headers={"Authorization": f"Bearer {token}"}
            )
            assert joined.status_code == 200, joined.text
    return Room(dialogue, session, tokens)


@pytest.fixture
def browser(server: Server, tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(server.ns.chromium_wrapper(tmp_path)), args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


def open_meeting(browser: Any, server: Server, room: Room, index: int) -> Any:
    context = browser.new_context()
    credentials = {room.dialogue_id: room.tokens[index]}
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', JSON.stringify({credentials!r}));".replace(
            "'", '"'
        ).replace(
            'localStorage.setItem("indaba.credentials"', "localStorage.setItem('indaba.credentials'"
        )
    )
    page = context.new_page()
    page.on("console", lambda m: print(f"[P{index}] {m.text}"))
    page.goto(f"{server.browser_origin}/d/{room.dialogue_id}/s/{room.session_id}/meeting")
    page.wait_for_selector("#meeting-status")
    return page


def push_epoch(page: Any, epoch: int, sender_index: int, secret: bytes | None) -> None:
    detail = (
        None
        if secret is None
        else {"epoch": epoch, "senderIndex": sender_index, "secret": list(secret)}
    )
    page.evaluate(
        "d => window.dispatchEvent(new CustomEvent('indaba:media-epoch', {detail: d}))", detail
    )


RECEIVED = """async () => {
  const m = window.indabaMeeting;
  if (!m) return {};
  const out = {};
  for (const r of m.remotes.values()) {
    const s = await r.pc.getStats();
    let video = 0, audio = 0;
    s.forEach(x => {
      if (x.type === 'inbound-rtp' && x.kind === 'video') video = x.framesDecoded || 0;
      if (x.type === 'inbound-rtp' && x.kind === 'audio')
        audio = (x.totalSamplesReceived || 0) - (x.concealedSamples || 0);
    });
    out[r.display] = {video, audio};
  }
  return out;
}"""


def received(page: Any) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = page.evaluate(RECEIVED)
    return result


def wait_until(predicate: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def state(page: Any) -> str:
    return str(page.get_attribute("#meeting-status", "data-state"))


def test_participants_decode_each_other_only_with_the_key(server: Server, browser: Any) -> None:
    room = make_room(server, 5)
    key = secrets.token_bytes(32)
    pages = [open_meeting(browser, server, room, n) for n in range(5)]
    for n, page in enumerate(pages[:3]):
        push_epoch(page, 1, n, key)
    push_epoch(pages[3], 1, 3, secrets.token_bytes(32))  # wrong key
    push_epoch(pages[4], 2, 4, key)  # no key for epoch 1
    for page in pages:
        wait_until(lambda page=page: state(page) == "live", "joining the media")
    names = ["P0", "P1", "P2"]

    def decoding(page: Any, others: list[str]) -> bool:
        got = received(page)
        return all(
            got.get(o, {}).get("video", 0) > 5 and got.get(o, {}).get("audio", 0) > 0
            for o in others
        )

    for n, page in enumerate(pages[:3]):
        wait_until(
            lambda page=page, n=n: decoding(page, [x for x in names if x != names[n]]),
            f"P{n} decoding",
        )
    first = [received(page) for page in pages[:3]]
    time.sleep(2)
    for n, page in enumerate(pages[:3]):
        got = received(page)
        for other in names:
            if other != names[n]:
                assert got[other]["video"] > first[n][other]["video"], (
                    f"P{n} stopped decoding {other}"
                )
        # P3's and P4's frames cannot be decrypted with the group's key.
        assert got.get("P3", {}).get("video", 0) == 0 and got.get("P4", {}).get("video", 0) == 0
    for outsider in pages[3:]:
        got = received(outsider)
        assert set(got) >= {"P0", "P1", "P2"}, got  # subscribed: frames arrive …
        assert all(v["video"] == 0 for v in got.values()), got  # … and none decodes

    # Rekey without P2 (removed from the group): it stops decoding, the others go on.
    new_key = secrets.token_bytes(32)
    push_epoch(pages[0], 2 + 16, 0, new_key)
    push_epoch(pages[1], 2 + 16, 1, new_key)
    push_epoch(pages[2], 2 + 16, 2, secrets.token_bytes(32))  # P2 cannot know the new key
    time.sleep(12)  # past the previous epoch's grace period (worker.GRACE_MS)
    before = [received(page) for page in pages[:3]]
    time.sleep(3)
    after = [received(page) for page in pages[:3]]
    assert after[0]["P1"]["video"] > before[0]["P1"]["video"]
    assert after[1]["P0"]["video"] > before[1]["P0"]["video"]
    assert after[2]["P0"]["video"] == before[2]["P0"]["video"]
    assert after[2]["P1"]["video"] == before[2]["P1"]["video"]
    assert after[0]["P2"]["video"] == before[0]["P2"]["video"]


def mjr_packets(path: Path) -> list[bytes]:
    """RTP packets of a Janus recording (MJR00002: header JSON, then MEET ts len packet)."""
    data = path.read_bytes()
    assert data[:8] == b"MJR00002", data[:8]
    pos = 8
    header_len = int.from_bytes(data[pos : pos + 2], "big")
    pos += 2 + header_len
    packets = []
    while pos + 10 <= len(data):
        assert data[pos : pos + 4] == b"MEET", f"bad frame marker at {pos}"
        length = int.from_bytes(data[pos + 8 : pos + 10], "big")
        packets.append(data[pos + 10 : pos + 10 + length])
        pos += 10 + length
    return packets


def rtp_payload(packet: bytes) -> bytes:
    csrc = packet[0] & 0x0F
    pos = 12 + 4 * csrc
    if packet[0] & 0x10:
        pos += 4 + 4 * int.from_bytes(packet[pos + 2 : pos + 4], "big")
    return packet[pos:]


def vp8_frame_start(payload: bytes) -> bytes | None:
    """The VP8 frame bytes of a packet that starts a frame, else None (RFC 7741 §4.2)."""
    first = payload[0]
    if not first & 0x10 or first & 0x07:  # S bit, partition 0
        return None
    pos = 1
    if first & 0x80:
        ext = payload[pos]
        pos += 1
        if ext & 0x80:
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:
            pos += 1
        if ext & 0x30:
            pos += 1
    return payload[pos:]


def sframe_kid(frame: bytes, clear: int) -> int | None:
    config = frame[clear]
    if config & 0x80:
        n = ((config >> 4) & 0x7) + 1
        return int.from_bytes(frame[clear + 1 : clear + 1 + n], "big")
    return (config >> 4) & 0x7


def test_a_janus_recording_holds_only_sframe_ciphertext(server: Server, browser: Any) -> None:
    """Janus decrypts SRTP, so its recording shows what the SFU sees: every frame it
    recorded starts with the clear codec bytes and an SFrame header whose key id names the
    sender and epoch; the rest is ciphertext."""
    from indaba.media.fake import FakeJanus
    from indaba.media.rooms import JanusNode, RoomManager

    room = make_room(server, 2)
    key = secrets.token_bytes(32)
    pages = [open_meeting(browser, server, room, n) for n in range(2)]
    for n, page in enumerate(pages):
        push_epoch(page, 3, n, key)
    for page in pages:
        wait_until(lambda page=page: state(page) == "live", "joining the media")
    wait_until(lambda: received(pages[1]).get("P0", {}).get("video", 0) > 5, "P1 decoding P0")
    with httpx.Client(base_url=server.api) as http:
        me = http.get("/api/me", headers={"Authorization": f"Bearer {room.tokens[0]}"}).json()
    member_id = me["member"]["id"]
    rooms = RoomManager([JanusNode("x", FakeJanus(), "k")], MEDIA_SECRET.encode())
    config = (server.directory / "janus" / "janus.transport.websockets.jcfg").read_text()
    ws_port = next(line.split("=")[1].strip() for line in config.splitlines() if "ws_port" in line)
    rec_dir = server.directory / "recording"
    rec_dir.mkdir()
    subprocess.run(
        [
            *server.ns.exec_prefix(),
            str(ROOT / ".venv" / "bin" / "python"),
            str(Path(__file__).with_name("janus_recorder.py")),
            f"ws://127.0.0.1:{ws_port}",
            rooms.participant_token(room.session_id, member_id),
            str(rooms.room_id(room.session_id)),
            rooms.room_secret(room.session_id),
            str(rec_dir),
            "4",
        ],
        check=True,
        timeout=60,
    )
    videos = sorted(rec_dir.glob("*-video-*.mjr"))
    audios = sorted(rec_dir.glob("*-audio-*.mjr"))
    assert videos and audios, sorted(p.name for p in rec_dir.iterdir())
    expected = {(index << 4) | 3 for index in range(2)}
    frames = 0
    for video in videos:
        for packet in mjr_packets(video):
            frame = vp8_frame_start(rtp_payload(packet))
            if frame is None or len(frame) < 12:
                continue
            clear = 10 if frame[0] & 0x01 == 0 else 3  # VP8 key frame bit (inverted)
            assert sframe_kid(frame, clear) in expected, f"unencrypted frame in {video.name}"
            frames += 1
    assert frames > 20
    packets = 0
    for audio in audios:
        for packet in mjr_packets(audio):
            payload = rtp_payload(packet)
            if len(payload) > 2:
                assert sframe_kid(payload, 1) in expected, f"unencrypted audio in {audio.name}"
                packets += 1
    assert packets > 20
