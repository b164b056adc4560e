"""The whole path in browsers: spoken English in one meeting tab, Spanish captions in another.

Janus, the server and two Debian Chromiums in a network namespace, and the interpreter as
its own process there (``indaba interpreter``).  Alice (English) and Beatriz (Spanish)
open the conversation with the meeting joined (``/d/…/s/…/meeting``): each browser joins
the session's MLS group and keys its meeting from it.  Alice's microphone is a WAV of
``flite -voice slt`` speech (``--use-file-for-fake-audio-capture``), so her browser's
worker SFrame-encrypts real Opus speech; the interpreter hears it through the SFU,
recognises, translates, and sends captions inside the group; Beatriz's conversation shows
them in Spanish under Alice's name, Alice's in English.  The interpreter also speaks
(``--voice es``): Beatriz's meeting shows no tile for its Spanish feed but "Hear
interpretation in Spanish", on, whose audio element plays the feed and receives decoded
audio (inbound-rtp samples and energy growing) and which lowers Alice while it speaks;
Alice, reading English, is offered nothing.  The caption texts never appear in the
server's database or log, nor in the interpreter's output.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.media.netns import ROOT, missing_requirement
from tests.media.test_browser_media import (
    CHROMIUM_FLAGS,
    Server,
    server,  # noqa: F401 - the module-scoped server fixture
    state,
    wait_until,
)
from tests.media.test_interpreter_sfu import (
    Process,
    flite_speech,
    missing_interpreter_tools,
    processes,  # noqa: F401 - the fixture
    session_invite,
)


def _missing() -> str | None:
    return missing_requirement() or missing_interpreter_tools()


pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]  # fmt: skip


def silence_wav(path: Path, seconds: float = 5.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"\0\0" * int(48000 * seconds))
    return path


def accept(server: Server, invite_url: str, name: str, language: str) -> str:  # noqa: F811
    token = invite_url.rsplit("/", 1)[1]
    with httpx.Client(base_url=server.api) as http:
        body = {"token": token, "display_name": name, "language": language}
        accepted = http.post("/api/invites/accept", json=body)
    assert accepted.status_code in (200, 201), accepted.text
    return str(accepted.json()["token"])


@pytest.fixture
def chromium(server: Server, tmp_path: Path) -> Iterator[Any]:  # noqa: F811
    """Launch Chromium in the namespace with a WAV as its microphone."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched: list[Any] = []

        def launch(wav: Path) -> Any:
            browser = p.chromium.launch(
                executable_path=str(server.ns.chromium_wrapper(tmp_path)),
                args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}"],
            )
            launched.append(browser)
            return browser

        try:
            yield launch
        finally:
            for browser in launched:
                browser.close()


def open_meeting(browser: Any, server: Server, dialogue: str, session: str, token: str,  # noqa: F811
                 name: str) -> Any:  # fmt: skip
    context = browser.new_context()
    credentials = json.dumps({dialogue: token})
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    page = context.new_page()
    page.on("console", lambda m: print(f"[{name}] {m.text}"))
    page.goto(f"{server.browser_origin}/d/{dialogue}/s/{session}/meeting")
    page.wait_for_selector("#meeting-status")
    return page


INTERPRETATION_AUDIO_JS = """async () => {
  const meeting = window.indabaMeeting;
  const feed = [...meeting.remotes.values()].find((r) => r.interpretation === 'es');
  const audio = document.querySelector('#meeting-interpretation-audio');
  if (!feed) return { playing: false, energy: 0, samples: 0 };
  let energy = 0, samples = 0;
  (await feed.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      energy = r.totalAudioEnergy ?? 0;
      samples = r.totalSamplesReceived ?? 0;
    }
  });
  return { playing: audio.srcObject === feed.stream, energy, samples };
}"""


def interpretation_audio(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(INTERPRETATION_AUDIO_JS))


def test_spoken_english_in_one_browser_is_captioned_in_spanish_in_another(
    server: Server, chromium: Any, tmp_path: Path, processes: list[Process]  # noqa: F811
) -> None:
    speech = flite_speech(tmp_path)
    url, dialogue, session = session_invite(server)
    interpreter = Process([*server.ns.exec_prefix(), str(ROOT / ".venv" / "bin" / "indaba"),
                           "interpreter", "--invite", url, "--run-by", "the test",
                           "--voice", "es"], tmp_path / "interpreter.log")  # fmt: skip
    processes.append(interpreter)
    interpreter.wait_line(lambda line: line.startswith("listening to the meeting"))

    beatriz = open_meeting(chromium(silence_wav(tmp_path / "silence.wav")), server, dialogue,
                           session, accept(server, url, "Beatriz", "es"), "Beatriz")  # fmt: skip
    alice = open_meeting(chromium(speech.path), server, dialogue, session,
                         accept(server, url, "Alice", "en"), "Alice")  # fmt: skip
    for page in (alice, beatriz):
        wait_until(lambda page=page: state(page) == "live", "joining the media", timeout=90)
        wait_until(lambda page=page: page.locator("#conversation-members li").count() == 3,
                   "Alice, Beatriz and the interpreter in the group", timeout=90)  # fmt: skip

    spanish = beatriz.locator("#conversation-captions .caption")
    wait_until(lambda: "agua" in " ".join(spanish.all_inner_texts()),
               "a Spanish caption of Alice's speech", timeout=120)  # fmt: skip
    shown = [text for text in spanish.all_inner_texts() if "agua" in text]
    assert shown[0].startswith("Alice"), shown
    english = alice.locator("#conversation-captions .caption")
    wait_until(lambda: "water" in " ".join(english.all_inner_texts()),
               "Alice reading her own speech in English", timeout=60)  # fmt: skip
    texts = [t.split(" ", 1)[1] for t in spanish.all_inner_texts() + english.all_inner_texts()
             if " " in t and len(t.split(" ", 1)[1]) > 3]  # fmt: skip

    # the interpreter's Spanish voice: offered to Beatriz (on), not a tile, audible, ducking
    toggle = beatriz.locator("#meeting-interpretation-toggle")
    wait_until(lambda: toggle.is_visible(), "Hear interpretation in Spanish", timeout=30)
    assert toggle.inner_text() == "Hear interpretation in Spanish", toggle.inner_text()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert beatriz.locator("figure[data-feed]").count() == 2  # herself and Alice
    first = interpretation_audio(beatriz)
    assert first["playing"], first  # the audio element holds the interpretation feed
    wait_until(lambda: interpretation_audio(beatriz)["energy"] > first["energy"] + 1e-3
               and interpretation_audio(beatriz)["samples"] > first["samples"] + 48000,
               "decoded interpretation audio", timeout=60)  # fmt: skip
    wait_until(lambda: beatriz.locator("#meeting-interpretation").get_attribute("data-ducked")
               == "true", "Alice lowered while the interpretation speaks", timeout=60)  # fmt: skip
    assert not alice.locator("#meeting-interpretation-toggle").is_visible()

    out = interpreter.stop()
    assert interpreter.proc.returncode == 0, interpreter.log.read_text()[-2000:]
    stored = b"".join(p.read_bytes() for p in server.directory.glob("indaba.sqlite3*"))
    logged = (server.directory / "server.log").read_bytes()
    own = out.encode() + interpreter.log.read_bytes()
    for text in texts:
        assert text.encode() not in stored + logged + own, "a caption left the group in the clear"
