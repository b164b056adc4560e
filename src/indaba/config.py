"""Configuration: embedded defaults, then a TOML file, then INDABA_* environment variables.

Every value is validated; a bad value is reported with its source, e.g.
``port: Input should be less than or equal to 65535 (from INDABA_PORT)``.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/indaba.sqlite3"
ENV_PREFIX = "INDABA_"


def janus_installed() -> bool:
    """Media is on by default only where the ``janus`` binary is installed."""
    return shutil.which("janus") is not None


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
    bus_url: str = Field(
        default="memory://", description="Fan-out between server processes: memory:// or nats://"
    )
    # Media (issue 6; docs/media.md): a local Janus started by `indaba serve`, or existing nodes.
    media_enabled: bool = Field(default_factory=janus_installed)
    media_dir: str | None = Field(default=None, description="Generated Janus config and log")
    media_rtp_ports: str = Field(default="20000-40000")
    media_ice_servers: tuple[str, ...] = ()
    media_public_ip: str | None = Field(default=None, description="Janus nat_1_1_mapping")
    media_secret: SecretStr | None = Field(
        default=None, description="Derives room secrets and tokens; share it between processes"
    )
    janus_binary: str = Field(default="janus", min_length=1)
    janus_urls: tuple[str, ...] = Field(default=(), description="Existing Janus nodes (ws://)")
    janus_admin_urls: tuple[str, ...] = ()
    janus_admin_secret: SecretStr | None = None
    janus_room_admin_key: SecretStr | None = None

    @field_validator("media_ice_servers", "janus_urls", "janus_admin_urls", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("media_rtp_ports")
    @classmethod
    def _port_range(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,5})-(\d{1,5})", value.strip())
        if not match:
            raise ValueError("must look like 20000-40000")
        low, high = int(match[1]), int(match[2])
        if not 1024 <= low < high <= 65535:
            raise ValueError("must be a range within 1024-65535 with low < high")
        return f"{low}-{high}"

    @field_validator("media_ice_servers")
    @classmethod
    def _ice_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise ValueError(f"{url!r} must start with stun:, turn: or turns:")
        return value

    @field_validator("janus_urls", "janus_admin_urls")
    @classmethod
    def _ws_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("ws://", "wss://")):
                raise ValueError(f"{url!r} must start with ws:// or wss://")
        return value

    @model_validator(mode="after")
    def _janus_nodes(self) -> Settings:
        if self.janus_urls:
            if len(self.janus_admin_urls) != len(self.janus_urls):
                raise ValueError("janus_admin_urls must name one admin URL per janus_urls entry")
            if self.janus_admin_secret is None or self.janus_room_admin_key is None:
                raise ValueError(
                    "janus_urls needs janus_admin_secret and janus_room_admin_key"
                )
            if self.media_secret is None:
                raise ValueError("janus_urls needs media_secret (shared by all processes)")
        elif self.janus_admin_urls:
            raise ValueError("janus_admin_urls is set but janus_urls is empty")
        return self

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

    @field_validator("bus_url")
    @classmethod
    def _known_bus(cls, value: str) -> str:
        if value != "memory://" and not value.startswith(("nats://", "tls://")):
            raise ValueError("must be memory:// or a NATS URL (nats://host:4222)")
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
