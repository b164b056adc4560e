"""The meeting's features and failure handling, in Chromium through the real Janus.

The harness of ``test_browser_media.py`` (Janus, the server and Chromium in a network
namespace; each page opens ``/d/…/s/…/meeting`` and takes its frame keys from the
session's MLS group).  Every check reads counters — WebRTC statistics, the frame worker's
counters, the page's own state and tiles — and none asserts how long something took:

- Janus killed: the API and ``#meeting-status`` say the media server is down, a message
  sent meanwhile arrives, and both browsers decode each other again once the supervisor
  has restarted Janus.
- A subscriber that cannot decrypt a publisher pauses the subscription, and from then on
  neither it nor the publisher sees picture-loss indications (PLI/FIR) from it.
- Simulcast: three layers go out, and the tile's width picks the layer received.
- Screen sharing: a second tile, "Screen of P0", decoded with the group's key.
- Raise hand, active speaker (Chromium's fake microphone beeps; muted pages send silence),
  camera off and audio-only mode.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.media.netns import missing_requirement
from tests.media.test_browser_media import (
    Server,
    browser,  # noqa: F401 - a Chromium per test
    give_key,
    make_room,
    open_meeting,
    received,
    server,  # noqa: F401 - the module-scoped server, Janus and namespace
    state,
    wait_for_group,
    wait_until,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(missing_requirement() is not None, reason=str(missing_requirement())),
]

# What a page sends and receives, from its own peer connections and frame worker.
STATS = """async () => {
  const m = window.indabaMeeting;
  const out = {video: [], audioBytes: 0, remotes: {}};
  if (!m) return out;
  const pc = m.publisher && m.publisher.pc;
  if (pc) (await pc.getStats()).forEach(x => {
    if (x.type !== 'outbound-rtp') return;
    if (x.kind === 'audio') out.audioBytes = x.bytesSent;
    else out.video.push({rid: x.rid || '', bytes: x.bytesSent, width: x.frameWidth || 0,
                         pli: x.pliCount || 0, fir: x.firCount || 0});
  });
  const frames = await m.crypto.stats();
  for (const r of m.remotes.values()) {
    const entry = {feed: r.feed, paused: r.paused, hand: r.hand, speaking: r.speaking,
                   screen: r.screen, substream: r.substream, level: r.level,
                   heard: r.audio.duration,
                   decoded: 0, videoBytes: 0,
                   width: 0, pli: 0, audio: 0, frames: frames[`feed-${r.feed}-video`] || null};
    (await r.pc.getStats()).forEach(x => {
      if (x.type !== 'inbound-rtp') return;
      if (x.kind === 'video') {
        entry.decoded = x.framesDecoded || 0; entry.videoBytes = x.bytesReceived || 0;
        entry.width = x.frameWidth || 0; entry.pli = (x.pliCount || 0) + (x.firCount || 0);
      } else entry.audio = (x.totalSamplesReceived || 0) - (x.concealedSamples || 0);
    });
    out.remotes[r.display + (r.screen ? '#screen' : '')] = entry;
  }
  return out;
}"""

# The remote tiles as shown: caption, the speaking highlight, the video's width.
TILES = """() => {
  const m = window.indabaMeeting;
  const out = {};
  for (const fig of document.querySelectorAll('#meeting-tiles figure[data-feed]')) {
    const r = m.remotes.get(Number(fig.dataset.feed));
    if (!r) continue;
    out[r.display + (r.screen ? '#screen' : '')] = {
      caption: fig.querySelector('figcaption').textContent,
      speaking: fig.classList.contains('speaking'),
      width: fig.querySelector('video').clientWidth,
    };
  }
  return out;
}"""

SPEAKING_LEVEL = 0.01  # meeting.ts: the RMS level above which someone speaks
FIR_FREQ_S = 10  # janus_api.Room.create_body: the room asks for a key frame this often


def stats(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(STATS)
    return result


def tiles(page: Any) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = page.evaluate(TILES)
    return result


def remote(page: Any, name: str) -> dict[str, Any]:
    got: dict[str, Any] = stats(page)["remotes"].get(name, {})
    return got


def live_meeting(
    browser: Any,  # noqa: F811
    server: Server,  # noqa: F811
    people: int,
    outsiders: int = 0,
) -> tuple[Any, list[Any], int]:
    """``people`` members in one group epoch, each decoding all the others (the room has
    ``outsiders`` more session members, P<people>…, for the test to open)."""
    room = make_room(server, people + outsiders)
    pages = [open_meeting(browser, server, room, n) for n in range(people)]
    epoch = wait_for_group(pages, people)
    names = [f"P{n}" for n in range(people)]
    for n, page in enumerate(pages):
        wait_until(lambda page=page: state(page) == "live", "joining the media")
        others = [x for x in names if x != names[n]]
        wait_until(
            lambda page=page, others=others: all(
                received(page).get(o, {}).get("video", 0) > 5 for o in others
            ),
            f"P{n} decoding the others",
        )
    return room, pages, epoch


def growing(page: Any, read: Any, what: str) -> None:
    """``read(page)`` (a counter) grows between two looks."""
    first = read(page)
    wait_until(lambda: read(page) > first, what)


def stopped(page: Any, read: Any, what: str) -> None:
    """``read(page)`` settles (frames in flight arrive), then stays put over two looks."""
    last = [read(page)]

    def settled() -> bool:
        time.sleep(1)
        now = read(page)
        same = bool(now == last[0])
        last[0] = now
        return same

    wait_until(settled, what)
    time.sleep(1.5)
    assert read(page) == last[0], f"{what}: it grew again"


# --- 1. Janus killed and restarted -------------------------------------------------------


def janus_pids(janus_host: Server) -> list[int]:
    """The Janus processes started for this module's server (by their configuration path)."""
    marker = str(janus_host.directory / "janus").encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if argv and argv[0].endswith(b"janus") and any(marker in a for a in argv):
                pids.append(int(entry.name))
    return pids


@contextlib.contextmanager
def janus_held_down(janus_host: Server) -> Iterator[None]:
    """SIGKILL Janus; the supervisor restarts it, and every Janus it starts is stopped
    (SIGSTOP) before it can answer, until the block ends: then SIGKILL the stopped one,
    and the supervisor's next start comes up."""
    (original,) = janus_pids(janus_host)
    os.kill(original, signal.SIGKILL)
    done = threading.Event()
    frozen: set[int] = set()

    def hold() -> None:
        while not done.is_set():
            for pid in janus_pids(janus_host):
                if pid != original and pid not in frozen:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGSTOP)
                    frozen.add(pid)
            time.sleep(0.005)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        yield
    finally:
        done.set()
        holder.join()
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def media_status(janus_host: Server) -> str:
    return str(httpx.get(f"{janus_host.api}/api/media/status").json()["status"])


def send_text(page: Any, text: str) -> None:
    page.get_by_role("textbox", name="Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_media_comes_back_by_itself_after_janus_is_killed_and_text_goes_on(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    room, pages, _ = live_meeting(browser, server, 2)
    pages[0].locator("#meeting-screen").click()  # a shared screen comes back too
    wait_until(lambda: remote(pages[1], "P0#screen").get("decoded", 0) > 5, "P0's screen")
    with janus_held_down(server):
        wait_until(lambda: media_status(server) == "down", "the API saying Janus is down")
        with httpx.Client(base_url=server.api) as http:
            refused = http.post(
                f"/api/sessions/{room.session_id}/media",
                headers={"Authorization": f"Bearer {room.tokens[0]}"},
            )
        assert refused.status_code == 503 and "media_unavailable" in refused.text, refused.text
        for page in pages:
            wait_until(lambda page=page: state(page) == "unavailable", "the page saying so")
            assert "not reachable" in page.inner_text("#meeting-status")
            assert page.evaluate("() => window.indabaMeeting.remotes.size") == 0
        # The text conversation does not depend on the media server.
        send_text(pages[0], "Janus is down but we still talk")
        wait_until(
            lambda: (
                "Janus is down but we still talk" in pages[1].inner_text("#conversation-messages")
            ),
            "the message reaching P1",
        )
    wait_until(lambda: media_status(server) == "up", "the supervisor restarting Janus")
    feeds = {0: ["P1"], 1: ["P0", "P0#screen"]}
    for n, page in enumerate(pages):
        wait_until(lambda page=page: state(page) == "live", "rejoining the media", timeout=90)
        for feed in feeds[n]:
            wait_until(
                lambda page=page, feed=feed: remote(page, feed).get("decoded", 0) > 5,
                f"P{n} decoding {feed} again",
            )
            growing(page, lambda p, feed=feed: remote(p, feed)["decoded"], "frames decoded")
    # One retry per loss: each feed is published once in the new Janus.
    for n, page in enumerate(pages):
        assert sorted(stats(page)["remotes"]) == feeds[n]
        assert page.evaluate("() => window.indabaMeeting.remotes.size") == len(feeds[n])
    assert len(janus_pids(server)) == 1


# --- 2. Key-frame requests from a subscriber without the key ----------------------------


def keyframe_requests(page: Any) -> int:
    """PLI and FIR the publisher received (per layer, each request reaches every layer)."""
    return max(int(v["pli"]) + int(v["fir"]) for v in stats(page)["video"])


def test_a_subscriber_without_the_key_pauses_and_stops_asking_for_key_frames(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    room, (p0, p1), epoch = live_meeting(browser, server, 2, outsiders=1)
    # P2 never had the group's key: a wrong one from the start (its decoder never gets a
    # frame: the flood case).  P1 decrypted P0 until now and gets a wrong key as well.
    p2 = open_meeting(browser, server, room, 2, in_group=False)
    give_key(p2, epoch, 2, secrets.token_bytes(32))
    wait_until(lambda: state(p2) == "live", "P2 joining the media")
    before = remote(p1, "P0")
    give_key(p1, epoch, 1, secrets.token_bytes(32))
    wait_until(
        lambda: remote(p1, "P0")["frames"]["failed"] > before["frames"]["failed"],
        "P1 failing to decrypt",
    )
    # Until they pause, their decoders ask for key frames (P2's, which never had a frame,
    # several a second) and Janus passes them on.
    for page in (p1, p2):
        wait_until(lambda page=page: remote(page, "P0")["paused"], "pausing P0's video")
        assert "paused" in tiles(page)["P0"]["caption"]
    assert remote(p2, "P0")["pli"] > 0
    # Paused, their video receivers are inactive: no video arrives, they send no PLI/FIR,
    # and the publisher gets at most the room's periodic key-frame request (fir_freq).
    for page in (p1, p2):
        stopped(page, lambda p: remote(p, "P0")["videoBytes"], "video from P0 arriving")
    sent_at = [remote(page, "P0")["pli"] for page in (p1, p2)]
    published_at = keyframe_requests(p0)
    started = time.monotonic()
    for _ in range(6):
        time.sleep(0.5)
        assert remote(p1, "P0")["paused"] and remote(p2, "P0")["paused"], "resumed too soon"
    elapsed = time.monotonic() - started
    assert [remote(page, "P0")["pli"] for page in (p1, p2)] == sent_at
    assert keyframe_requests(p0) - published_at <= 1 + int(elapsed // FIR_FREQ_S)
    # A new epoch resumes the subscription (the sender may be decryptable now).
    give_key(p1, epoch + 1, 1, secrets.token_bytes(32))
    wait_until(lambda: not remote(p1, "P0")["paused"], "the new epoch resuming P0's video")
    growing(p1, lambda p: remote(p, "P0")["videoBytes"], "video reaching P1 again")


# --- 3. Simulcast and screen sharing ------------------------------------------------------


def layers(page: Any) -> dict[str, dict[str, Any]]:
    return {v["rid"]: v for v in stats(page)["video"]}


def test_simulcast_layers_follow_the_tile_and_a_shared_screen_is_a_second_encrypted_tile(
    server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    _, (p0, p1), epoch = live_meeting(browser, server, 2)
    # P0 sends three layers, each a smaller picture than the next.
    first = layers(p0)
    assert set(first) == {"l", "m", "h"}, first
    wait_until(
        lambda: (
            all(layers(p0)[rid]["bytes"] > first[rid]["bytes"] for rid in "lmh")
            and all(layers(p0)[rid]["width"] > 0 for rid in "lmh")
        ),
        "all three layers going out",
    )
    sent = layers(p0)
    assert sent["l"]["width"] < sent["m"]["width"] < sent["h"]["width"], sent

    # In the grid, P1's tile for P0 is small: the low layer is asked for and received.
    small = tiles(p1)["P0"]["width"]
    assert 0 < small < 320, small
    wait_until(lambda: remote(p1, "P0")["substream"] == 0, "the low layer asked for")
    wait_until(
        lambda: 0 < remote(p1, "P0")["width"] <= layers(p0)["l"]["width"], "the low layer arriving"
    )
    low = remote(p1, "P0")["width"]
    # The speaker view makes it large: the high layer.
    p1.locator("#meeting-view").click()
    large = tiles(p1)["P0"]["width"]
    assert large >= 640, large
    wait_until(lambda: remote(p1, "P0")["substream"] == 2, "the high layer asked for")
    wait_until(lambda: remote(p1, "P0")["width"] > low, "a larger layer arriving")
    p1.locator("#meeting-view").click()  # back to the grid

    # P0 shares its screen: P1 gets a second tile for it and decodes it with the group's
    # key (the frame worker drops anything it cannot decrypt; the key id names P0's leaf
    # and the epoch).
    p0.locator("#meeting-screen").click()
    wait_until(lambda: remote(p1, "P0#screen").get("decoded", 0) > 5, "P1 decoding P0's screen")
    shown = tiles(p1)
    assert shown["P0#screen"]["caption"] == "Screen of P0"
    assert shown["P0"]["caption"].split(" · ")[0] == "P0"  # the camera's tile, as before
    frames = remote(p1, "P0#screen")["frames"]
    assert frames["ok"] > 5
    assert int(frames["kid"]) == (0 << 4) | (epoch % 16)  # P0 is leaf 0
    growing(p1, lambda p: remote(p, "P0")["decoded"], "P0's camera still decoded")
    # P0 does not subscribe to its own screen.
    assert set(stats(p0)["remotes"]) == {"P1"}
    assert p0.locator("#meeting-screen").inner_text() == "Stop sharing"
    p0.locator("#meeting-screen").click()
    wait_until(lambda: "P0#screen" not in tiles(p1), "the screen tile going away")


# --- 4. Raise hand, active speaker, camera off, audio only ------------------------------


def test_hand_speaker_camera_and_audio_only(server: Server, browser: Any) -> None:  # noqa: F811
    _, (p0, p1, p2), _ = live_meeting(browser, server, 3)

    # P1 raises a hand: the others see it on P1's tile; lowered, it goes away.
    p1.locator("#meeting-hand").click()
    for page in (p0, p2):
        wait_until(lambda page=page: "Hand raised" in tiles(page)["P1"]["caption"], "the hand")
    assert "Hand raised" not in tiles(p0)["P2"]["caption"]
    p1.locator("#meeting-hand").click()
    for page in (p0, p2):
        wait_until(lambda page=page: "Hand raised" not in tiles(page)["P1"]["caption"], "lowered")

    # Active speaker: only P0's microphone is on (the fake device beeps): P1 and P2 show
    # P0 speaking; then P0 mutes and P1 speaks: the highlight follows.  P2 stays muted and
    # is never shown speaking.
    p1.locator("#meeting-mic").click()
    p2.locator("#meeting-mic").click()
    heard = {page: remote(page, "P2")["heard"] for page in (p0, p1)}

    def speaking(page: Any, strict: bool = True) -> set[str]:
        shown = {name for name, tile in tiles(page).items() if tile["speaking"]}
        assert not (strict and "P2" in shown), "a muted participant shown speaking"
        return shown

    # Once a page has measured P2's audio as silence, over a stretch that ends two seconds
    # (of P2's audio) after the mute, P2 is never the speaker there.
    for page in (p0, p1):
        wait_until(
            lambda page=page: (
                remote(page, "P2")["heard"] > heard[page] + 2
                and remote(page, "P2")["level"] < SPEAKING_LEVEL
            ),
            "P2 heard muted",
        )
    for page in (p1, p2):
        wait_until(lambda page=page: speaking(page) == {"P0"}, "P0 shown speaking")
    assert "Speaking" in tiles(p1)["P0"]["caption"]
    wait_until(lambda: speaking(p0) == set(), "nobody speaking, as P0 sees it")
    p0.locator("#meeting-mic").click()
    p1.locator("#meeting-mic").click()
    for page in (p0, p2):
        wait_until(lambda page=page: speaking(page) == {"P1"}, "P1 shown speaking")
    wait_until(lambda: speaking(p1) == set(), "P0, muted now, no longer shown speaking")
    p0.locator("#meeting-mic").click()

    # Camera off: P2 sends no video at all (not even black frames); the others stop
    # decoding it; audio goes on.  On again: it comes back.
    p2.locator("#meeting-camera").click()
    stopped(p2, lambda p: sum(v["bytes"] for v in stats(p)["video"]), "P2's outbound video")
    stopped(p0, lambda p: remote(p, "P2")["decoded"], "P0 decoding P2")
    growing(p2, lambda p: stats(p)["audioBytes"], "P2's audio")
    p2.locator("#meeting-camera").click()
    growing(p0, lambda p: remote(p, "P2")["decoded"], "P2's video back at P0")

    # Audio only on P1: it neither sends nor receives video; audio both ways goes on.
    p1.locator("#meeting-audio-only").click()
    stopped(p1, lambda p: sum(v["bytes"] for v in stats(p)["video"]), "P1's outbound video")
    stopped(
        p1,
        lambda p: sum(r["videoBytes"] for r in stats(p)["remotes"].values()),
        "P1's inbound video",
    )
    growing(p1, lambda p: remote(p, "P0")["audio"], "P1 hearing P0")
    growing(p0, lambda p: remote(p, "P1")["audio"], "P0 hearing P1")
    growing(p0, lambda p: remote(p, "P2")["decoded"], "P0 still decoding P2")
    # A feed that appears meanwhile (P2's screen) sends P1 no video either.
    p2.locator("#meeting-screen").click()
    wait_until(lambda: remote(p0, "P2#screen").get("decoded", 0) > 5, "P0 decoding P2's screen")
    wait_until(lambda: "P2#screen" in tiles(p1), "P2's screen tile at P1")
    stopped(p1, lambda p: remote(p, "P2#screen")["videoBytes"], "P2's screen reaching P1")
    assert remote(p1, "P2#screen")["decoded"] == 0
    p1.locator("#meeting-audio-only").click()
    growing(p1, lambda p: remote(p, "P0")["decoded"], "P1 decoding P0 again")
    growing(p0, lambda p: remote(p, "P1")["decoded"], "P0 decoding P1 again")
