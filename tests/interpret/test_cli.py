"""`indaba engines`, `indaba translate`, `indaba interpret`, `indaba interpreter` options."""

from __future__ import annotations

from pathlib import Path

import pytest

from indaba.cli import main


def test_engines_lists_engines_routes_and_un_language_gaps(
    capsys: pytest.CaptureFixture[str], apertium: object
) -> None:
    assert main(["engines"]) == 0
    out = capsys.readouterr().out
    assert "[yes] translator  apertium" in out
    assert "en → fr: en → es → fr (pivot)" in out
    assert "en → es: en → es (direct)" in out
    for code in ("ar Arabic", "zh Chinese", "en English", "fr French", "ru Russian", "es Spanish"):
        assert code in out
    assert "ar Arabic: missing speech recognition" in out


def test_translate_prints_the_translation_and_a_pivot_route(
    capsys: pytest.CaptureFixture[str], apertium: object
) -> None:
    assert main(["translate", "Clean water is a human right.", "--from", "en", "--to", "es"]) == 0
    assert "agua limpia es un derecho humano" in capsys.readouterr().out
    assert main(["translate", "Clean water", "--from", "en", "--to", "fr"]) == 0
    captured = capsys.readouterr()
    assert "eau" in captured.out.lower() and "en → es → fr" in captured.err


def test_translate_without_a_route_or_with_an_unknown_engine_fails_clearly(
    capsys: pytest.CaptureFixture[str], apertium: object
) -> None:
    assert main(["translate", "hello", "--from", "en", "--to", "zh"]) == 2
    assert "no translation route from 'en' to 'zh'" in capsys.readouterr().err
    assert main(["translate", "hello", "--from", "en", "--to", "es", "--translator", "x"]) == 2
    assert "unknown translator engine 'x'" in capsys.readouterr().err


def test_interpret_prints_timed_captions_per_language(
    capsys: pytest.CaptureFixture[str],
    apertium: object,
    speech_wav: Path,
    pocketsphinx_available: None,
    tmp_path: Path,
) -> None:
    voice = tmp_path / "voice"
    assert main(["interpret", str(speech_wav), "--to", "es,fr", "--voice", str(voice)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    spanish = [line for line in lines if "] es (MT en → es):" in line]
    french = [line for line in lines if "] fr (MT en → es → fr):" in line]
    assert len(spanish) == 2 and len(french) == 2
    assert spanish[0].startswith("[00:00.") and "océanos" in spanish[0]
    assert "utterance 1: recognised in" in out
    assert (tmp_path / "voice.es.wav").stat().st_size > 1000


def test_the_interpreter_listens_to_the_meeting_unless_told_not_to() -> None:
    from indaba.cli import build_parser

    parser = build_parser()
    base = ["interpreter", "--invite", "http://x/i/t", "--run-by", "us"]
    assert parser.parse_args(base).media is True
    assert parser.parse_args([*base, "--no-media"]).media is False
    assert parser.parse_args([*base, "--end-silence-ms", "500"]).end_silence_ms == 500


def test_the_interpreters_voice_options_are_checked_before_it_joins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from indaba.cli import build_parser
    from indaba.interpret.commands import voice_languages, voice_synthesizer
    from indaba.interpret.registry import EngineConfig

    parser = build_parser()
    base = ["interpreter", "--invite", "http://x/i/t", "--run-by", "us"]
    assert parser.parse_args(base).voice is None  # no voice unless asked
    assert parser.parse_args([*base, "--voice"]).voice == "all"
    assert voice_languages("all") is None and voice_languages(None) is None
    assert voice_languages("es, fr,es") == ("es", "fr")
    with pytest.raises(ValueError, match="not a language code"):
        voice_languages("es,<b>")
    config = EngineConfig(synthesizer="fake")
    assert voice_synthesizer(parser.parse_args(base), config) is None
    assert voice_synthesizer(parser.parse_args([*base, "--voice", "es"]), config) is not None
    with pytest.raises(ValueError, match="does not speak xx"):
        voice_synthesizer(parser.parse_args([*base, "--voice", "es,xx"]), config)
    with pytest.raises(ValueError, match="--no-media"):
        voice_synthesizer(parser.parse_args([*base, "--voice", "--no-media"]), config)
    both = voice_synthesizer(parser.parse_args([*base, "--voice", "--synthesizer", "fake,fake"]),
                             config)  # fmt: skip
    assert both is not None and both.name == "tone+tone" and config.synthesizer == both.name
    with pytest.raises(ValueError, match="unknown"):
        voice_synthesizer(parser.parse_args([*base, "--voice", "--synthesizer", "fake,nope"]),
                          config)  # fmt: skip
    # the whole command refuses before joining anything
    assert main([*base, "--voice", "es", "--synthesizer", "fake", "--no-media"]) == 2
    assert "--no-media" in capsys.readouterr().err


async def test_media_is_listened_to_when_the_server_offers_it() -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from indaba.interpret.commands import media_available

    status = ["up"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": status[0], "e2ee": "required"}).encode()
            self.send_response(200 if self.path == "/api/media/status" else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for value, expected in (("up", True), ("down", True), ("disabled", False)):
            status[0] = value
            assert await media_available(base) is expected
    finally:
        server.shutdown()
        server.server_close()
    assert await media_available(base) is False  # nobody answers
