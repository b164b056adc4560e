"""The ASGI application: API routers, the built web client, middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from indaba import __version__
from indaba.config import Settings
from indaba.server import (
    routes_consult,
    routes_delivery,
    routes_dialogues,
    routes_media,
    routes_sessions,
)
from indaba.server.context import AppState, Clock, system_clock
from indaba.server.errors import error_body, install_error_handlers
from indaba.server.middleware import AccessLog, BodySizeLimit, SecurityHeaders
from indaba.store import open_database, upgrade_database

WEB_ROOT = Path(__file__).resolve().parent.parent / "web_dist"
log = logging.getLogger("indaba.server")


def create_app(
    settings: Settings, clock: Clock = system_clock, web_root: Path = WEB_ROOT
) -> FastAPI:
    """Build the app; the database opens (and migrates, if configured) at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await upgrade_database(settings.database_url)
        database = open_database(settings.database_url)
        app.state.indaba = AppState(settings=settings, database=database, clock=clock)
        log.info("started", extra={"database": database.engine.dialect.name})
        try:
            yield
        finally:
            await database.close()

    app = FastAPI(
        title="Indaba API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(routes_dialogues.router)
    app.include_router(routes_sessions.router)
    app.include_router(routes_delivery.router)
    app.include_router(routes_consult.router)
    # Media (issue 6): its router's lifespan starts/stops Janus when media_enabled.
    app.include_router(routes_media.router)
    _mount_web_client(app, web_root)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


def _mount_web_client(app: FastAPI, web_root: Path) -> None:
    index = web_root / "index.html"
    if (web_root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=web_root / "assets"), name="assets")

    @app.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def unknown_api(path: str) -> JSONResponse:
        return JSONResponse(error_body("not_found", "No such API endpoint."), status_code=404)

    @app.get("/{path:path}", include_in_schema=False)
    async def web_client(path: str, request: Request) -> Response:
        candidate = (web_root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(web_root.resolve()):
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"cache-control": "no-cache"})
        return PlainTextResponse(
            "The web client is not built. Run ./dev serve, or: cd web && npm ci && npm run build",
            status_code=503,
        )
