"""A network namespace for media tests: Janus skips loopback interfaces when gathering ICE
candidates, so Janus, the server and Chromium run in a namespace whose veth interface has a
private /30 address; the test process reaches the server through the other end of the veth.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "src" / "indaba" / "web_dist"


def missing_requirement() -> str | None:
    if os.geteuid() != 0:
        return "media browser tests need root (ip netns add); run them in CI or as root"
    for tool in ("ip", "janus"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install iproute2 janus)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not (WEB_DIST / "index.html").exists():
        return "the web client is not built (cd web && npm run build)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


@dataclass
class Namespace:
    name: str
    host_ip: str
    ns_ip: str

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def chromium_wrapper(self, directory: Path) -> Path:
        wrapper = directory / "chromium-in-netns"
        wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        return wrapper


@contextlib.contextmanager
def namespace() -> Iterator[Namespace]:
    tag = secrets.token_hex(3)
    name = f"indaba-media-{tag}"
    host_if, ns_if = f"imh{tag}", f"imn{tag}"
    subnet = 16 + secrets.randbelow(200)
    ns = Namespace(name, f"10.213.{subnet}.1", f"10.213.{subnet}.2")
    run("ip", "netns", "add", name)
    try:
        run("ip", "-n", name, "link", "set", "lo", "up")
        run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        run("ip", "link", "set", ns_if, "netns", name)
        run("ip", "addr", "add", f"{ns.host_ip}/30", "dev", host_if)
        run("ip", "link", "set", host_if, "up")
        run("ip", "-n", name, "addr", "add", f"{ns.ns_ip}/30", "dev", ns_if)
        run("ip", "-n", name, "link", "set", ns_if, "up")
        yield ns
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run("ip", "link", "del", host_if)
        run("ip", "netns", "del", name)


def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port}")
