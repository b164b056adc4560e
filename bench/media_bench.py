"""Media benchmark: Janus CPU per forwarded stream, and time to the first decoded frame.

One publisher (Chromium's fake camera, VP8 640x360, and fake microphone) and 1, 4, 8, 16
subscribers in one VideoRoom, with and without frame encryption (an AES-GCM encoded-frame
transform in a worker, the same work per frame as web/src/media/worker.ts; the room has
``require_e2ee`` in the encrypted runs).  Janus runs with the configuration Indaba generates,
inside a network namespace with Chromium (Janus skips loopback interfaces).  Janus's CPU is
read from /proc over a fixed window once every subscriber decodes.

    sudo .venv/bin/python bench/media_bench.py [--seconds 10] [--subscribers 1,4,8,16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indaba.media.janus_api import JanusWsControl, RoomSpec  # noqa: E402
from indaba.media.janus_config import (  # noqa: E402
    JanusLayout,
    JanusSecrets,
    find_library_dir,
    write_config,
)
from tests.media.netns import missing_requirement, namespace  # noqa: E402

PAGE_PORT = 18080
PAGE_JS = (Path(__file__).parent / "media_bench_page.js").read_text()

FIRST_FRAME_JS = """async () => {
  const out = [];
  for (const s of window.benchSubs) {
    const stats = await s.pc.getStats();
    let frames = 0;
    stats.forEach(x => {
      if (x.type === 'inbound-rtp' && x.kind === 'video') frames = x.framesDecoded || 0;
    });
    out.push(frames);
  }
  return out;
}"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(
    ns: Any,
    janus_pid: int,
    layout: JanusLayout,
    control: JanusWsControl,
    admin_key: str,
    subscribers: int,
    encrypt: bool,
    seconds: float,
    tmp: Path,
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    token = secrets.token_urlsafe(16)
    room = 1000 + secrets.randbelow(10**9)
    asyncio.run(control.add_token(token))
    spec = RoomSpec(room=room, description="bench", secret="s", publishers=4, allowed=(token,))
    body = spec.create_body(admin_key)
    body["require_e2ee"] = encrypt
    asyncio.run(control.room_request(body))
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(ns.chromium_wrapper(tmp)),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
            ],
        )
        page = browser.new_page()
        if os.environ.get("MEDIA_BENCH_DEBUG"):
            page.on("console", lambda m: print("page:", m.text, file=sys.stderr))
        page.goto(f"http://127.0.0.1:{PAGE_PORT}/")  # a secure context, like the real client
        t_start = time.monotonic()
        page.evaluate(
            PAGE_JS,
            {
                "url": f"ws://127.0.0.1:{layout.ws_port}",
                "token": token,
                "room": room,
                "subscribers": subscribers,
                "encrypt": encrypt,
            },
        )
        first: float | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            frames = page.evaluate(FIRST_FRAME_JS)
            if first is None and any(f > 0 for f in frames):
                first = time.monotonic() - t_start
            if frames and all(f > 0 for f in frames):
                break
            time.sleep(0.05)
        time.sleep(2)
        before_cpu, before_frames = cpu_seconds(janus_pid), sum(page.evaluate(FIRST_FRAME_JS))
        time.sleep(seconds)
        after_cpu, after_frames = cpu_seconds(janus_pid), sum(page.evaluate(FIRST_FRAME_JS))
        browser.close()
    asyncio.run(control.room_request({"request": "destroy", "room": room, "secret": "s"}))
    cpu = (after_cpu - before_cpu) / seconds * 100
    return {
        "subscribers": subscribers,
        "encrypted": encrypt,
        "first_frame_s": round(first, 2) if first is not None else None,
        "janus_cpu_percent": round(cpu, 2),
        "cpu_percent_per_stream": round(cpu / subscribers, 3),
        "decoded_fps_total": round((after_frames - before_frames) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--subscribers", default="1,4,8,16")
    args = parser.parse_args()
    problem = missing_requirement()
    if problem:
        sys.exit(f"media_bench: {problem}")
    counts = [int(n) for n in args.subscribers.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmpdir, namespace() as ns:
        tmp = Path(tmpdir)
        # Janus listens on every interface of the (private) namespace: the bench drives it
        # from outside through the veth, the page from inside through loopback.
        layout = JanusLayout(tmp / "janus", 18188, 17188, (42000, 42999), host="0.0.0.0")
        janus_secrets = JanusSecrets.generate()
        config = write_config(layout, janus_secrets, find_library_dir())
        log = (tmp / "janus.log").open("wb")
        janus = subprocess.Popen(
            [*ns.exec_prefix(), "janus", "-C", str(config), "-F", str(layout.directory)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            (tmp / "www").mkdir()
            (tmp / "www" / "index.html").write_text("<!doctype html><title>bench</title>")
            pages = subprocess.Popen(
                [
                    *ns.exec_prefix(),
                    sys.executable,
                    "-m",
                    "http.server",
                    str(PAGE_PORT),
                    "--bind",
                    "127.0.0.1",
                    "-d",
                    str(tmp / "www"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            control = JanusWsControl(
                f"ws://{ns.ns_ip}:{layout.ws_port}",
                f"ws://{ns.ns_ip}:{layout.admin_ws_port}",
                janus_secrets.admin_secret,
                secrets.token_urlsafe(16),
            )
            deadline = time.monotonic() + 20
            while True:
                try:
                    asyncio.run(control.info())
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            pid = int(
                subprocess.run(
                    ["pgrep", "-f", "-n", f"janus -C {config}"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()[0]
            )
            for encrypt in (False, True):
                for n in counts:
                    result = run_case(
                        ns,
                        pid,
                        layout,
                        control,
                        janus_secrets.room_admin_key,
                        n,
                        encrypt,
                        args.seconds,
                        tmp,
                    )
                    results.append(result)
                    print(json.dumps(result), flush=True)
        finally:
            if "pages" in locals():
                pages.kill()
            janus.kill()
            janus.wait()
            log.close()
    print(
        "\n| subscribers | encrypted | first decoded frame (s) | Janus CPU % "
        "| CPU % per stream | decoded fps |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['subscribers']} | {'yes' if r['encrypted'] else 'no'} | {r['first_frame_s']} | "
            f"{r['janus_cpu_percent']} | {r['cpu_percent_per_stream']} | {r['decoded_fps_total']} |"
        )


if __name__ == "__main__":
    main()
