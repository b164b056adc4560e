import os
import stat
from pathlib import Path

import pytest

from indaba.config import Settings
from indaba.media.janus_config import (
    PLUGIN,
    TRANSPORT,
    JanusConfigError,
    JanusLayout,
    JanusSecrets,
    find_library_dir,
    write_config,
)
from indaba.media.service import MediaService, media_dir


def fake_library(root: Path) -> Path:
    for sub, names in (
        ("plugins", [PLUGIN, "libjanus_echotest.so", "libjanus_streaming.so"]),
        ("transports", [TRANSPORT, "libjanus_http.so", "libjanus_mqtt.so"]),
    ):
        (root / sub).mkdir(parents=True)
        for name in names:
            (root / sub / name).write_bytes(b"")
    return root


def generate(tmp_path: Path) -> tuple[Path, JanusSecrets]:
    layout = JanusLayout(tmp_path / "janus", 18188, 17188, (30000, 30100))
    janus_secrets = JanusSecrets.generate()
    write_config(layout, janus_secrets, fake_library(tmp_path / "lib"))
    return layout.directory, janus_secrets


def test_only_the_videoroom_plugin_and_websockets_transport(tmp_path: Path) -> None:
    directory, _ = generate(tmp_path)
    assert [p.name for p in (directory / "plugins").iterdir()] == [PLUGIN]
    assert [p.name for p in (directory / "transports").iterdir()] == [TRANSPORT]
    assert list((directory / "empty").iterdir()) == []
    core = (directory / "janus.jcfg").read_text()
    assert f'plugins_folder = "{directory / "plugins"}"' in core
    assert f'events_folder = "{directory / "empty"}"' in core


def test_loopback_only_token_auth_and_random_secrets(tmp_path: Path) -> None:
    directory, janus_secrets = generate(tmp_path)
    core = (directory / "janus.jcfg").read_text()
    ws = (directory / "janus.transport.websockets.jcfg").read_text()
    room = (directory / "janus.plugin.videoroom.jcfg").read_text()
    assert "token_auth = true" in core
    assert f'admin_secret = "{janus_secrets.admin_secret}"' in core
    assert "janusoverlord" not in core and "supersecret" not in room
    assert 'rtp_port_range = "30000-30100"' in core
    assert 'ws_ip = "127.0.0.1"' in ws and 'admin_ws_ip = "127.0.0.1"' in ws
    assert "wss = false" in ws and "admin_wss = false" in ws
    assert f'admin_key = "{janus_secrets.room_admin_key}"' in room
    assert "lock_rtp_forward = true" in room
    assert JanusSecrets.generate().admin_secret != janus_secrets.admin_secret
    assert janus_secrets.admin_secret not in repr(janus_secrets)
    for name in ("janus.jcfg", "janus.plugin.videoroom.jcfg", "janus.transport.websockets.jcfg"):
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_regenerating_replaces_stale_files(tmp_path: Path) -> None:
    directory, first = generate(tmp_path)
    (directory / "plugins" / "libjanus_other.so").write_bytes(b"")
    layout = JanusLayout(directory, 1, 2, (30000, 30100))
    second = JanusSecrets.generate()
    write_config(layout, second, tmp_path / "lib")
    assert [p.name for p in (directory / "plugins").iterdir()] == [PLUGIN]
    assert first.admin_secret not in (directory / "janus.jcfg").read_text()


def test_missing_janus_is_reported(tmp_path: Path) -> None:
    with pytest.raises(JanusConfigError, match="install the Debian package janus"):
        find_library_dir((tmp_path,))


def test_media_dir_follows_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3"
    assert media_dir(Settings(database_url=url)) == tmp_path / "janus"
    assert media_dir(Settings(database_url=url, media_dir="/srv/j")) == Path("/srv/j")


def test_service_is_disabled_without_janus(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3",
        media_enabled=True,
        janus_binary="no-such-janus-binary",
    )
    service = MediaService.from_settings(settings)
    assert service.status == "disabled" and "not installed" in service.reason
    off = MediaService.from_settings(settings.model_copy(update={"media_enabled": False}))
    assert off.status == "disabled"


def test_an_incomplete_janus_installation_disables_media(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indaba.media.service as service_module

    def nowhere() -> Path:
        raise JanusConfigError("no plugins")

    monkeypatch.setattr(service_module, "find_library_dir", nowhere)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3",
        media_enabled=True,
        janus_binary="sh",
    )
    service = MediaService.from_settings(settings)
    assert service.status == "disabled" and service.reason == "no plugins"
