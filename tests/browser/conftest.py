"""Browser tests: the real server in a subprocess, driven through Debian Chromium.

Nothing is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install
chromium``), and the server serves the web client built into ``src/indaba/web_dist``
(``cd web && npm run build``). Without either, every test here is skipped with a message
saying which one is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Request

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
WEB_INDEX = ROOT / "src" / "indaba" / "web_dist" / "index.html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 30.0


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's browser with `apt-get install chromium`"
    if not WEB_INDEX.exists():
        return f"{WEB_INDEX} is missing: build the web client (cd web && npm ci && npm run build)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session", autouse=True)
def _browser_requirements() -> None:
    reason = _missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")


def _indaba_command() -> list[str]:
    script = Path(sys.executable).with_name("indaba")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from indaba.cli import main; sys.exit(main())"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running ``indaba serve``; ``url`` has no trailing slash."""

    url: str
    log: Path

    @property
    def origin(self) -> str:
        return _origin(self.url)


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"indaba serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"indaba serve did not answer /api/health in {START_TIMEOUT_S} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``indaba serve`` on a free port with a fresh SQLite database (migrated on start)."""
    directory = tmp_path_factory.mktemp("server")
    port = _free_port()
    log = directory / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("INDABA_")}
    command = [
        *_indaba_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        f"sqlite+aiosqlite:///{directory / 't.db'}",
    ]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=directory, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            _wait_for_health(url, process, log)
            yield Server(url=url, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: sync Playwright runs an event loop in this thread while it is open, and
    # later tests that call asyncio.run() must not find it running.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Traffic:
    """Every request the pages of a test made, and every console error they logged."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def record(self, context: BrowserContext) -> None:
        def on_request(request: Request) -> None:
            self.requests.append(request.url)

        def on_page(page: Page) -> None:
            page.on(
                "console",
                lambda message: (
                    self.console_errors.append(message.text) if message.type == "error" else None
                ),
            )

        context.on("request", on_request)
        context.on("page", on_page)

    def foreign(self, origin: str) -> list[str]:
        """Requests to anywhere but ``origin`` (``data:`` URLs are inline, not requests)."""
        return [
            url for url in self.requests if not url.startswith("data:") and _origin(url) != origin
        ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def new_context(browser: Browser, traffic: Traffic) -> Iterator[Any]:
    """A factory of isolated browser profiles (own localStorage), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-US", **options: Any) -> BrowserContext:
        context = browser.new_context(locale=locale, timezone_id="UTC", **options)
        context.set_default_timeout(20_000)
        traffic.record(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
