"""The thin ASGI layer: routes, middleware, error mapping."""

from indaba.server.app import create_app

__all__ = ["create_app"]
