"""The `indaba engines | translate | interpret | interpreter` commands."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from indaba.interpret.base import EngineError, EngineUnavailable, SpeechSynthesizer
from indaba.interpret.member import display_name
from indaba.interpret.registry import EngineConfig

if TYPE_CHECKING:
    from indaba.client import ChatSession
    from indaba.interpret.member import Interpreter
    from indaba.interpret.routing import Router
    from indaba.interpret.sfu import MeetingListener


def engine_config(args: argparse.Namespace) -> EngineConfig:
    config = EngineConfig.from_toml(args.engines) if args.engines else EngineConfig()
    if getattr(args, "translator", None):
        config.translators = args.translator.split(",")
    if getattr(args, "recognizer", None):
        config.recognizer = args.recognizer
    return config


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engines", type=Path, metavar="TOML",
                        help="engine configuration ([interpret] table; see docs/interpretation.md)")
    parser.add_argument("--translator", help="translation engine(s), comma-separated")  # fmt: skip


def cmd_engines(args: argparse.Namespace) -> int:
    from indaba.interpret.inventory import render, take_inventory

    print(render(take_inventory()))
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from indaba.interpret.routing import Router

    try:
        config = engine_config(args)
        router = Router(config.translator_engines(), config.pivots)
        try:
            result = router.translate(args.text, args.source, args.target)
        finally:
            router.close()
    except (EngineError, ValueError) as exc:
        print(f"indaba: {exc}", file=sys.stderr)
        return 2
    print(result.text, flush=True)  # before the route note on stderr
    if result.pivoted or args.verbose:
        print(f"(machine translated, {result.engine}: {' → '.join(result.route)})", file=sys.stderr)
    return 0


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "  ...  "
    return f"{int(seconds // 60):02d}:{seconds % 60:06.3f}"


def cmd_interpret(args: argparse.Namespace) -> int:
    from indaba.interpret.audio import read_wav
    from indaba.interpret.endpoint import EndpointConfig
    from indaba.interpret.pipeline import Caption, Pipeline, UtteranceDone, Voice
    from indaba.interpret.routing import Router

    targets = [t for t in args.to.split(",") if t]
    try:
        config = engine_config(args)
        recognizer = config.recognizer_engine(args.source)
        router = Router(config.translator_engines(), config.pivots)
        synthesizer = config.synthesizer_engine() if args.voice else None
        pcm = read_wav(args.file, recognizer.sample_rate)
    except (EngineError, ValueError, OSError) as exc:
        print(f"indaba: {exc}", file=sys.stderr)
        return 2
    pipeline = Pipeline(recognizer, router, targets, synthesizer,
                        EndpointConfig(end_silence_ms=args.end_silence_ms))  # fmt: skip
    chunk = recognizer.sample_rate * 2 // 10  # 100 ms
    voices: list[Voice] = []
    try:
        events = []
        for offset in range(0, len(pcm), chunk):
            events.extend(pipeline.feed(pcm[offset : offset + chunk]))
        events.extend(pipeline.finish())
    except EngineError as exc:
        print(f"indaba: {exc}", file=sys.stderr)
        return 2
    finally:
        router.close()
    for event in events:
        if isinstance(event, Caption):
            if not event.final and not args.partials:
                continue
            route = " → ".join(event.route) if len(event.route) > 1 else ""
            label = "partial" if not event.final else ("MT " + route if route else "final")
            print(f"[{_clock(event.start)} – {_clock(event.end)}] {event.language} ({label}): "
                  f"{event.text}")  # fmt: skip
        elif isinstance(event, UtteranceDone):
            timing = event.timing
            stages = ", ".join(f"{lang} {1000 * (at - timing.endpoint_clock):.0f} ms"
                               for lang, at in timing.translated_clock.items())  # fmt: skip
            print(f"  utterance {event.utterance}: recognised in "
                  f"{1000 * timing.recognition_seconds:.0f} ms after the endpoint"
                  + (f"; translated: {stages}" if stages else ""))  # fmt: skip
            for error in event.errors:
                print(f"  not translated: {error}", file=sys.stderr)
        elif isinstance(event, Voice):
            voices.append(event)
    if args.voice and voices:
        from indaba.interpret.audio import write_wav

        for lang in targets:
            parts = [v for v in voices if v.language == lang]
            if parts:
                out = Path(args.voice).with_suffix(f".{lang}.wav")
                write_wav(out, b"".join(v.pcm for v in parts), parts[0].sample_rate)
                print(f"voice ({lang}): {out}")
    return 0


async def media_available(base_url: str) -> bool:
    """Whether the server offers the meeting at all (``GET /api/media/status``)."""
    from indaba.client.http import ApiError, api

    try:
        status = await api(base_url, "GET", "/api/media/status")
    except (ApiError, OSError):
        return False
    return isinstance(status, dict) and status.get("status") not in (None, "disabled")


def voice_languages(value: str | None) -> tuple[str, ...] | None:
    """``--voice`` → the languages to speak; None: every listener language."""
    if value is None or value.strip() in ("", "all"):
        return None
    languages = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    for language in languages:
        if not language.isalpha() or not 2 <= len(language) <= 3:
            raise ValueError(f"--voice: {language!r} is not a language code (e.g. es,fr or all)")
    return languages


def voice_synthesizer(args: argparse.Namespace, config: EngineConfig) -> SpeechSynthesizer | None:
    """The synthesiser for ``--voice`` (None without it); a ValueError says what is wrong."""
    if args.voice is None:
        return None
    if not args.media:
        raise ValueError("--voice speaks into the meeting: it cannot go with --no-media")
    synthesizer: SpeechSynthesizer | None
    names = [name.strip() for name in (args.synthesizer or "").split(",") if name.strip()]
    if len(names) > 1:  # the first that speaks a language speaks it
        from indaba.interpret.registry import create
        from indaba.interpret.voice import Synthesizers

        synthesizer = Synthesizers([create("synthesizer", name, **config.options.get(name, {}))
                                    for name in names])  # fmt: skip
        config.synthesizer = synthesizer.name
    else:
        if names:
            config.synthesizer = names[0]
        synthesizer = config.synthesizer_engine()
    if synthesizer is None:
        raise ValueError("--voice needs a speech synthesiser (--synthesizer espeak-ng)")
    unknown = set(voice_languages(args.voice) or ()) - synthesizer.languages()
    if unknown:
        raise ValueError(f"--voice: the {config.synthesizer} synthesiser does not speak "
                         f"{', '.join(sorted(unknown))} (it speaks "
                         f"{', '.join(sorted(synthesizer.languages()))})")  # fmt: skip
    return synthesizer


def meeting_listener(
    args: argparse.Namespace,
    chat: ChatSession,
    interpreter: Interpreter,
    config: EngineConfig,
    router: Router,
    synthesizer: SpeechSynthesizer | None = None,
) -> MeetingListener | None:
    """The interpreter's ears (and voice) in the meeting, or None (with the reason)
    without aiortc."""
    from indaba.interpret.endpoint import EndpointConfig

    try:
        from indaba.interpret.sfu import MeetingListener
        from indaba.interpret.voice import MeetingVoice
    except ImportError:
        print("indaba: not listening to the meeting: aiortc is missing "
              "(pip install 'indaba[interpret-media]')", file=sys.stderr)  # fmt: skip
        return None
    languages = voice_languages(args.voice)

    def voice(seal: Callable[[bytes], bytes | None]) -> MeetingVoice:
        assert synthesizer is not None
        return MeetingVoice(synthesizer, seal, languages)

    return MeetingListener(
        chat.member, chat.base_url, chat.token, interpreter, config.recognizer_engine, router,
        chat.send, EndpointConfig(end_silence_ms=args.end_silence_ms),
        display=display_name(interpreter.engines, interpreter.operator),
        voice=voice if synthesizer is not None else None,
    )


def cmd_interpreter(args: argparse.Namespace) -> int:
    from indaba.interpret.member import Interpreter, join_as_interpreter, run_interpreter
    from indaba.interpret.routing import Router
    from indaba.logs import configure_logging

    configure_logging("INFO")
    try:
        config = engine_config(args)
        router = Router(config.translator_engines(), config.pivots)
        identifier = config.language_identifier()
        synthesizer = voice_synthesizer(args, config)
    except (EngineUnavailable, EngineError, ValueError) as exc:
        print(f"indaba: {exc}", file=sys.stderr)
        return 2
    names = tuple(engine.name for engine in router.engines)
    if synthesizer is not None:
        names += (synthesizer.name,)  # who speaks is part of what members are told

    async def main() -> None:
        chat = await join_as_interpreter(args.invite_url, names, args.run_by, args.session)
        print(f"joined session {chat.member.session_id} as member {chat.member.member_id}",
              flush=True)  # fmt: skip
        languages = tuple(args.languages.split(",")) if args.languages else ()
        if not languages:  # until members announce theirs: the session's languages
            from indaba.client.http import ApiError, api

            try:
                path = f"/api/sessions/{chat.member.session_id}"
                session = await api(chat.base_url, "GET", path, chat.token)
                languages = tuple(str(code) for code in session.get("languages", ()))
            except (ApiError, OSError):
                languages = ()
        interpreter = Interpreter(chat.member.member_id, router, identifier, names, args.run_by,
                                  languages)  # fmt: skip
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        listener = None
        if args.media and await media_available(chat.base_url):
            listener = meeting_listener(args, chat, interpreter, config, router, synthesizer)
            if listener is not None:
                print("listening to the meeting", flush=True)
                if listener.voice is not None:
                    print(f"speaking into the meeting: {args.voice or 'all'}", flush=True)
        hearing = asyncio.create_task(listener.run(stop)) if listener else None
        try:
            stats = await run_interpreter(chat, interpreter, stop)
        finally:
            stop.set()
            if hearing is not None:
                await hearing
            await chat.close()
            router.close()
        heard = f", {listener.stats.captions} captions from the meeting" if listener else ""
        if listener is not None and listener.voice is not None:
            spoken = listener.voice.stats
            heard += f", {spoken.spoken} spoken ({spoken.seconds:.1f} s)"
        print(f"stopped: {stats.translated} translations sent, {stats.opted_out} opted out"
              f"{heard}")  # fmt: skip

    asyncio.run(main())
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    engines = commands.add_parser("engines", help="interpretation engines, routes, gaps")
    engines.set_defaults(func=cmd_engines)

    translate = commands.add_parser("translate", help="translate a text offline")
    translate.add_argument("text", metavar="TEXT")
    translate.add_argument("--from", dest="source", required=True, help="source language")
    translate.add_argument("--to", dest="target", required=True, help="target language")
    translate.add_argument("-v", "--verbose", action="store_true", help="always show the route")
    add_engine_options(translate)
    translate.set_defaults(func=cmd_translate)

    interpret = commands.add_parser("interpret", help="captions with timings from a WAV file")
    interpret.add_argument("file", metavar="FILE.wav", type=Path)
    interpret.add_argument("--to", default="", help="listener languages, comma-separated")
    interpret.add_argument("--from", dest="source", default="en", help="spoken language")
    interpret.add_argument("--partials", action="store_true", help="print partial captions")
    interpret.add_argument("--voice", metavar="OUT", help="also synthesise: OUT.<lang>.wav")
    interpret.add_argument("--end-silence-ms", type=int, default=300,
                           help="silence that ends an utterance (default 300)")  # fmt: skip
    interpret.add_argument("--recognizer", help="speech recognition engine")
    add_engine_options(interpret)
    interpret.set_defaults(func=cmd_interpret)

    member = commands.add_parser("interpreter", help="join a session as its interpreter member")
    member.add_argument("--invite", dest="invite_url", required=True, metavar="URL")
    member.add_argument("--run-by", required=True, help="who runs it (shown to every member)")
    member.add_argument("--session", help="session id, when the invite names none")
    member.add_argument("--languages",
                        help="target languages until members announce theirs "
                        "(default: the session's languages)")  # fmt: skip
    member.add_argument("--no-media", dest="media", action="store_false",
                        help="do not listen to the meeting (speech captions); text only")
    member.add_argument("--recognizer", help="speech recognition engine (meeting audio)")
    member.add_argument("--voice", nargs="?", const="all", metavar="LANGS",
                        help="speak translated captions into the meeting: one interpretation "
                        "feed per listener language (default all), or only LANGS (es,fr)")
    member.add_argument("--synthesizer",
                        help="speech synthesis engine(s) for --voice (default espeak-ng; "
                        "flite,espeak-ng: flite for English, espeak-ng for the rest)")  # fmt: skip
    member.add_argument("--end-silence-ms", type=int, default=300,
                        help="silence that ends a spoken utterance (default 300)")  # fmt: skip
    add_engine_options(member)
    member.set_defaults(func=cmd_interpreter)
