"""Encrypted media end to end: Janus, the server and Chromium in a network namespace.

Each browser opens the conversation page with the meeting joined (``…/meeting``): it
joins the session's MLS group, and the meeting takes its frame keys from that group.
Three members decode one another; two session members kept out of the group (their
delivery socket never reaches the server) are given a wrong key, and a key for another
epoch, through ``Meeting.useKeys`` — they decode nothing and nobody decodes them.  Then
the convener removes a member from the conversation (a real MLS remove commit through
the server): the removed browser's media stops, the others rekey to the new epoch and
keep decoding one another.
"""

from __future__ import annotations

import json
import os
import re
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


def open_meeting(
    browser: Any, server: Server, room: Room, index: int, in_group: bool = True, joined: bool = True
) -> Any:
    """P<index> opens ``/d/…/s/…/meeting``: the conversation, with the meeting joined
    (``joined=False``: the conversation alone, ``/d/…/s/…``).

    ``in_group=False``: the page's delivery socket is answered by the test, not the
    server, so the browser never joins the MLS group and holds none of its keys."""
    context = browser.new_context()
    credentials = json.dumps({room.dialogue_id: room.tokens[index]})
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    page = context.new_page()
    page.on("console", lambda m: print(f"[P{index}] {m.text}"))
    if not in_group:
        page.route_web_socket(re.compile(r".*/api/ws$"), lambda ws: None)
    path = f"/d/{room.dialogue_id}/s/{room.session_id}"
    page.goto(server.browser_origin + path + ("/meeting" if joined else ""))
    page.wait_for_selector("#meeting-status" if joined else "#meeting-join")
    return page


GIVE_KEY = """([epoch, senderIndex, secret]) => window.indabaMeeting.useKeys({
  currentEpoch: () => ({epoch, senderIndex, exporterSecret: async () => new Uint8Array(secret)}),
  onEpochChange: () => () => {},
})"""


def give_key(page: Any, epoch: int, sender_index: int, secret: bytes) -> None:
    """Drive the page's meeting with a key of our own (the test plays the key source)."""
    page.evaluate(GIVE_KEY, [epoch, sender_index, list(secret)])


def epoch_of(page: Any) -> int | None:
    value = page.get_attribute("#meeting-e2ee", "data-epoch")
    return int(value) if value else None


def wait_for_group(pages: list[Any], members: int) -> int:
    """Until every page is in the group of ``members`` and its meeting uses the same epoch."""

    def settled() -> bool:
        epochs = {epoch_of(page) for page in pages}
        return (
            len(epochs) == 1
            and None not in epochs
            and all(
                page.locator("#conversation-members li").count() == members
                and page.get_attribute("#conversation-status", "data-status") == "ready"
                for page in pages
            )
        )

    wait_until(settled, f"{len(pages)} pages in one group epoch", timeout=90)
    epoch = epoch_of(pages[0])
    assert epoch is not None
    return epoch


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


KIDS = """async () => {
  const stats = await window.indabaMeeting.crypto.stats();
  const out = {};
  for (const r of window.indabaMeeting.remotes.values()) {
    const video = stats[`feed-${r.feed}-video`];
    if (video && video.kid !== null) out[r.display] = Number(BigInt(video.kid) & 15n);
  }
  return out;
}"""


def test_members_decode_each_other_with_the_groups_keys_and_a_removal_rekeys(
    server: Server, browser: Any
) -> None:
    room = make_room(server, 5)
    members = [open_meeting(browser, server, room, n) for n in range(3)]
    epoch = wait_for_group(members, 3)
    outsiders = [open_meeting(browser, server, room, n, in_group=False) for n in (3, 4)]
    give_key(outsiders[0], epoch, 3, secrets.token_bytes(32))  # a wrong key for this epoch
    give_key(outsiders[1], epoch + 1, 4, secrets.token_bytes(32))  # a key for another epoch
    pages = members + outsiders
    for page in pages:
        wait_until(lambda page=page: state(page) == "live", "joining the media")
    names = ["P0", "P1", "P2"]

    def decoding(page: Any, others: list[str]) -> bool:
        got = received(page)
        return all(
            got.get(o, {}).get("video", 0) > 5 and got.get(o, {}).get("audio", 0) > 0
            for o in others
        )

    for n, page in enumerate(members):
        wait_until(
            lambda page=page, n=n: decoding(page, [x for x in names if x != names[n]]),
            f"P{n} decoding",
        )
    first = [received(page) for page in members]
    time.sleep(2)
    for n, page in enumerate(members):
        got = received(page)
        for other in names:
            if other != names[n]:
                assert got[other]["video"] > first[n][other]["video"], (
                    f"P{n} stopped decoding {other}"
                )
        # P3's and P4's frames cannot be decrypted with the group's key.
        assert got.get("P3", {}).get("video", 0) == 0 and got.get("P4", {}).get("video", 0) == 0
    for outsider in outsiders:
        got = received(outsider)
        assert set(got) >= {"P0", "P1", "P2"}, got  # subscribed: frames arrive …
        assert all(v["video"] == 0 for v in got.values()), got  # … and none decodes

    # The convener (P0) removes P2 from the conversation: an MLS Remove commit through the
    # server.  P2's media stops; P0 and P1 move to the next epoch and keep decoding.
    members[0].locator(f"[data-remove='{member_id(server, room, 2)}']").click()
    wait_until(lambda: state(members[2]) == "closed", "P2's media stopping")
    assert members[2].evaluate("() => window.indabaMeeting.reason") in ("removed", "not_admitted")
    assert members[2].get_attribute("#conversation-status", "data-status") == "removed"
    wait_until(
        lambda: epoch_of(members[0]) == epoch_of(members[1]) == epoch + 1, "the rekey to P0, P1"
    )
    wait_until(lambda: "P2" not in received(members[0]), "P2 leaving P0's meeting")
    time.sleep(12)  # past the previous epoch's grace period (worker.GRACE_MS)
    before = [received(page) for page in members]
    time.sleep(3)
    after = [received(page) for page in members]
    assert after[0]["P1"]["video"] > before[0]["P1"]["video"]
    assert after[1]["P0"]["video"] > before[1]["P0"]["video"]
    assert after[2] == before[2] == {}  # P2 holds no connection and no key any more
    # What P0 and P1 decode now is sent under the new epoch (the KID's epoch bits).
    assert members[0].evaluate(KIDS)["P1"] == (epoch + 1) % 16
    assert members[1].evaluate(KIDS)["P0"] == (epoch + 1) % 16


def test_the_meeting_is_joined_and_left_inside_the_conversation(
    server: Server, browser: Any
) -> None:
    room = make_room(server, 1)
    page = open_meeting(browser, server, room, 0, joined=False)
    wait_until(
        lambda: page.get_attribute("#conversation-status", "data-status") == "ready",
        "the conversation",
    )
    assert page.locator("#meeting-status").count() == 0
    page.get_by_role("button", name="Join the meeting with video and audio").click()
    wait_until(lambda: state(page) == "live", "joining the media")
    assert epoch_of(page) == 0  # the epoch of the group this page created keys the media
    assert page.url.endswith(f"/s/{room.session_id}/meeting")  # a reload keeps the meeting
    assert page.locator("figure[data-feed='self'] video").count() == 1
    page.locator("#meeting-leave").click()
    wait_until(lambda: page.locator("#meeting-status").count() == 0, "the meeting unmounting")
    assert page.locator("#meeting-join").is_visible()
    assert page.url.endswith(f"/s/{room.session_id}")
    assert page.evaluate("() => window.indabaMeeting === undefined")
    assert page.get_attribute("#conversation-status", "data-status") == "ready"  # text goes on


def member_id(server: Server, room: Room, index: int) -> str:
    with httpx.Client(base_url=server.api) as http:
        me = http.get("/api/me", headers={"Authorization": f"Bearer {room.tokens[index]}"})
    return str(me.json()["member"]["id"])


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
    pages = [open_meeting(browser, server, room, n) for n in range(2)]
    epoch = wait_for_group(pages, 2)
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
    expected = {(leaf << 4) | (epoch % 16) for leaf in range(2)}  # two leaves: 0 and 1
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
