"""Domain errors. Each carries the HTTP status and a stable code the client can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; ``message`` is safe to show to the user."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


class Invalid(DomainError):
    status = 422
