"""Configuration: embedded defaults, then a TOML file, then INDABA_* environment variables.

Every value is validated; a bad value is reported with its source, e.g.
``port: Input should be less than or equal to 65535 (from INDABA_PORT)``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/indaba.sqlite3"
ENV_PREFIX = "INDABA_"


class ConfigError(ValueError):
    """The configuration is invalid; the message says which value and where it came from."""


class Settings(BaseModel):
    """Validated server settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = Field(default=DEFAULT_DATABASE_URL, min_length=1)
    instance_name: str = Field(default="Indaba", min_length=1, max_length=100)
    public_url: str | None = Field(default=None, description="Base URL used in printed links")
    log_level: str = Field(default="info")
    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    creation_key: SecretStr | None = Field(
        default=None, description="If set, creating a dialogue requires this key"
    )
    auto_migrate: bool = True

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        levels = {"debug", "info", "warning", "error"}
        if value.lower() not in levels:
            raise ValueError(f"must be one of {', '.join(sorted(levels))}")
        return value.lower()

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    def base_url(self) -> str:
        """The URL people open, for printed links."""
        return self.public_url or f"http://{self.host}:{self.port}"


FIELD_NAMES = tuple(Settings.model_fields)


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults < TOML file < environment < explicit overrides, then validate."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    if config_file is not None:
        for key, value in _read_toml(config_file).items():
            values[key] = value
            sources[key] = str(config_file)
    for name in FIELD_NAMES:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = environ[env_name]
            sources[name] = env_name
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            sources[key] = "command line"
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "config"
            where = sources.get(str(error["loc"][0]), "defaults") if error["loc"] else "config"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown setting (known: {', '.join(FIELD_NAMES)})"
            problems.append(f"{field}: {message} (from {where})")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
    section = data.get("indaba", data)
    if not isinstance(section, dict):
        raise ConfigError(f"configuration file {path}: [indaba] must be a table")
    return section
