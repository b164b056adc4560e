"""Configuration: defaults < TOML file < environment < command line, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from indaba.config import DEFAULT_DATABASE_URL, ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.base_url() == "http://127.0.0.1:8000"


def test_precedence(tmp_path: Path) -> None:
    config = tmp_path / "indaba.toml"
    config.write_text('[indaba]\nport = 9000\nhost = "0.0.0.0"\ninstance_name = "UN75"\n')
    settings = load_settings(
        config_file=config, environ={"INDABA_PORT": "9100"}, overrides={"host": "127.0.0.2"}
    )
    assert (settings.port, settings.host, settings.instance_name) == (9100, "127.0.0.2", "UN75")


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('log_level = "debug"\n')
    assert load_settings(environ={"INDABA_CONFIG": str(config)}).log_level == "debug"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"INDABA_PORT": "99999"},
            "port: Input should be less than or equal to 65535 (from INDABA_PORT)",
        ),
        ({"INDABA_PORT": "http"}, "port: Input should be a valid integer"),
        ({"INDABA_DATABASE_URL": "mysql://x"}, "database_url: must start with sqlite+aiosqlite://"),
        ({"INDABA_LOG_LEVEL": "loud"}, "log_level: must be one of debug, error, info, warning"),
        ({"INDABA_PUBLIC_URL": "ftp://x"}, "public_url: must start with http:// or https://"),
        ({"INDABA_MAX_BODY_BYTES": "1"}, "max_body_bytes: Input should be greater than or equal"),
    ],
)
def test_bad_environment_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=environ)
    assert message in str(raised.value)


def test_unknown_and_broken_files(tmp_path: Path) -> None:
    unknown = tmp_path / "u.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match=r"colour: unknown setting \(known: host, port"):
        load_settings(config_file=unknown, environ={})
    broken = tmp_path / "b.toml"
    broken.write_text("port = = 3\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(config_file=broken, environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_creation_key_is_never_printed() -> None:
    settings = load_settings(environ={"INDABA_CREATION_KEY": "hunter2"})
    assert settings.creation_key is not None
    assert "hunter2" not in repr(settings)
    assert settings.creation_key.get_secret_value() == "hunter2"


# Media settings (issue 6)


def test_media_defaults_follow_the_janus_binary() -> None:
    import shutil

    settings = load_settings(environ={})
    assert settings.media_enabled is (shutil.which("janus") is not None)
    assert settings.media_rtp_ports == "20000-40000" and settings.janus_urls == ()
    assert load_settings(environ={"INDABA_MEDIA_ENABLED": "false"}).media_enabled is False


def test_media_lists_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "INDABA_MEDIA_ICE_SERVERS": "stun:stun.example.org:3478, turn:turn.example.org",
            "INDABA_JANUS_URLS": "ws://10.0.0.5:8188",
            "INDABA_JANUS_ADMIN_URLS": "ws://10.0.0.5:7188",
            "INDABA_JANUS_ADMIN_SECRET": "a",
            "INDABA_JANUS_ROOM_ADMIN_KEY": "r",
            "INDABA_MEDIA_SECRET": "m",
        }
    )
    assert settings.media_ice_servers == ("stun:stun.example.org:3478", "turn:turn.example.org")
    assert settings.janus_urls == ("ws://10.0.0.5:8188",)
    assert settings.janus_room_admin_key is not None
    assert "'r'" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INDABA_MEDIA_RTP_PORTS": "40000-20000"}, "media_rtp_ports: must be a range"),
        ({"INDABA_MEDIA_RTP_PORTS": "lots"}, "media_rtp_ports: must look like 20000-40000"),
        ({"INDABA_MEDIA_ICE_SERVERS": "http://x"}, "must start with stun:, turn: or turns:"),
        ({"INDABA_JANUS_URLS": "http://x"}, "janus_urls: 'http://x' must start with ws://"),
        ({"INDABA_JANUS_URLS": "ws://x"}, "one admin URL per janus_urls entry"),
        ({"INDABA_JANUS_ADMIN_URLS": "ws://x"}, "janus_admin_urls is set but janus_urls is empty"),
        (
            {"INDABA_JANUS_URLS": "ws://x", "INDABA_JANUS_ADMIN_URLS": "ws://y"},
            "needs janus_admin_secret and janus_room_admin_key",
        ),
        (
            {
                "INDABA_JANUS_URLS": "ws://x",
                "INDABA_JANUS_ADMIN_URLS": "ws://y",
                "INDABA_JANUS_ADMIN_SECRET": "a",
                "INDABA_JANUS_ROOM_ADMIN_KEY": "r",
            },
            "janus_urls needs media_secret",
        ),
    ],
)
def test_bad_media_settings(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=environ)
    assert message in str(raised.value)


def test_bus_url() -> None:
    assert load_settings(environ={}).bus_url == "memory://"
    assert load_settings(environ={"INDABA_BUS_URL": "nats://127.0.0.1:4222"}).bus_url.startswith(
        "nats"
    )
    with pytest.raises(ConfigError, match="bus_url: must be memory:// or a NATS URL"):
        load_settings(environ={"INDABA_BUS_URL": "redis://x"})


def test_debug_level_never_logs_websocket_frames() -> None:
    import logging

    from indaba.logs import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("debug")
        assert logging.getLogger("uvicorn.error").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("websockets").getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
