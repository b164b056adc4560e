"""The ``indaba`` command: serve, db upgrade, demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from indaba import __version__
from indaba.config import ConfigError, Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        config_file=args.config,
        overrides={
            "host": getattr(args, "host", None),
            "port": getattr(args, "port", None),
            "database_url": args.database,
        },
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from indaba.logs import configure_logging
    from indaba.server import create_app

    settings = _settings(args)
    configure_logging(settings.log_level)
    print(f"Indaba {__version__} is running: open {settings.base_url()}/", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from indaba.store.migrate import upgrade_sync

    settings = _settings(args)
    upgrade_sync(settings.database_url, args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from indaba.demo import seed_demo
    from indaba.store.migrate import upgrade_sync

    settings = _settings(args)
    upgrade_sync(settings.database_url)
    links = asyncio.run(seed_demo(settings.database_url, datetime.now(UTC)))
    base = settings.base_url()
    print("Demo dialogue ready.")
    print(f"  join as a participant: {base}{links.participant_invite}")
    print(f"  join as a facilitator: {base}{links.facilitator_invite}")
    print(f"  or create your own dialogue: {base}/")
    return 0


def cmd_consult_import(args: argparse.Namespace) -> int:
    from indaba.consult.polis_format import PolisFormatError
    from indaba.consult.polis_read import read_polis_export
    from indaba.contributions.polis_interchange import import_polis
    from indaba.store import open_database
    from indaba.store.migrate import upgrade_sync

    settings = _settings(args)
    try:
        conversation = read_polis_export(args.directory)
    except (PolisFormatError, FileNotFoundError, ValueError) as exc:
        print(f"indaba: cannot import {args.directory}: {exc}", file=sys.stderr)
        return 2
    upgrade_sync(settings.database_url)

    async def run() -> tuple[str, str, dict[str, int]]:
        database = open_database(settings.database_url)
        try:
            async with database.engine.begin() as conn:
                return await import_polis(
                    conn,
                    conversation,
                    title=args.title or dict(conversation.summary).get("topic") or "Imported",
                    convener_name="Importer",
                    languages=args.languages.split(","),
                    now=datetime.now(UTC),
                )
        finally:
            await database.close()

    dialogue_id, token, counts = asyncio.run(run())
    print(
        f"imported dialogue {dialogue_id}: {counts['participants']} participants, "
        f"{counts['statements']} statements, {counts['votes']} votes"
    )
    print(f"convener credential (shown once): {token}")
    return 0


def cmd_consult_export(args: argparse.Namespace) -> int:
    from indaba.contributions.polis_interchange import export_polis_zip
    from indaba.dialogues.errors import DomainError
    from indaba.store import open_database

    settings = _settings(args)

    async def run() -> bytes:
        database = open_database(settings.database_url)
        try:
            async with database.engine.connect() as conn:
                return await export_polis_zip(conn, args.dialogue_id)
        finally:
            await database.close()

    try:
        data = asyncio.run(run())
    except DomainError as exc:
        print(f"indaba: {exc.message}", file=sys.stderr)
        return 2
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from indaba.client.chat_cli import chat

    return asyncio.run(chat(args.invite_url, args.name, args.language, args.session))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indaba", description="Indaba dialogue platform")
    parser.add_argument("--version", action="version", version=f"indaba {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML configuration file")
    common.add_argument("--database", metavar="URL", help="database URL (sqlite or postgresql)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", parents=[common], help="run the server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", parents=[common], help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=cmd_db_upgrade)

    demo = commands.add_parser("demo", parents=[common], help="seed the demo dialogue")
    demo.add_argument("--host", help=argparse.SUPPRESS)
    demo.add_argument("--port", type=int, help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    chat = commands.add_parser("chat", help="join a session from an invite link and talk")
    chat.add_argument("invite_url", metavar="INVITE_URL", help="https://host/i/<token>")
    chat.add_argument("--name", default="Python client", help="display name (1-64 characters)")
    chat.add_argument("--language", default="en", help="language tag, e.g. en, fr, ar")
    chat.add_argument("--session", help="session id, when the invite names none")
    chat.set_defaults(func=cmd_chat)

    consult = commands.add_parser("consult", help="consultation data in the Pol.is format")
    consult_commands = consult.add_subparsers(dest="consult_command", required=True)
    importer = consult_commands.add_parser(
        "import", parents=[common], help="create a dialogue from a Pol.is export folder"
    )
    importer.add_argument("directory", type=Path)
    importer.add_argument("--title", help="dialogue title (default: the export's topic)")
    importer.add_argument("--languages", default="en", help="comma-separated language tags")
    importer.set_defaults(func=cmd_consult_import)
    exporter = consult_commands.add_parser(
        "export", parents=[common], help="write a dialogue's consultation as a Pol.is zip"
    )
    exporter.add_argument("dialogue_id")
    exporter.add_argument("output", type=Path)
    exporter.set_defaults(func=cmd_consult_export)

    from indaba.interpret.commands import add_parsers as add_interpret_parsers

    add_interpret_parsers(commands)  # engines, translate, interpret, interpreter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"indaba: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
