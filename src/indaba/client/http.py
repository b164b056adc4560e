"""The few REST calls a chat client makes (standard library only, run in a thread)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


def _call(base: str, method: str, path: str, token: str | None, body: Any) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("accept", "application/json")
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "http_error", "message": str(exc.reason)}
        raise ApiError(exc.code, error["code"], error["message"]) from None


async def api(base: str, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    return await asyncio.to_thread(_call, base, method, path, token, body)


def split_invite(url: str) -> tuple[str, str]:
    """(server base URL, invite token) from an invite link ``https://host/i/<token>``."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if parts.scheme not in ("http", "https") or "/i/" not in path:
        raise ValueError("an invite URL looks like https://host/i/<token>")
    prefix, _, token = path.rpartition("/i/")
    if not token:
        raise ValueError("the invite URL has no token")
    return f"{parts.scheme}://{parts.netloc}{prefix}", token


def ws_url(base: str) -> str:
    return "ws" + base.removeprefix("http") + "/api/ws"
