"""Interpretation's messages, in the conversation's envelope (indaba.client.envelope).

The conversation's text envelope (``{"v":1,"type":"text","id","ts","body"}``, shared
with the browser) gains two optional fields, and interpretation adds three types that
older clients ignore (they decode unknown types to nothing).  Only members can read
any of this; the server relays ciphertext.

- ``text`` + ``"lang":"en"`` (the writer's language) and ``"interpret":false`` (keep
  this one message out of interpretation).
- ``profile``: ``{"v":1,"type":"profile","id","ts","lang":"es","interpret":false,
  "name":…}`` -- a member-level setting carried in the group: the member's reading
  language and whether their own messages may be interpreted (the latest one wins).
- ``translation``: ``{"v":1,"type":"translation","id","ts","ref":ID,"ref_seq":N,
  "lang":"es","body":…,"source_lang":"en","route":["en","es"],"engine":"apertium",
  "machine_translated":true}`` -- the original stays in the log under ``ref``.
- ``caption``: a speech caption (``speaker``, ``utterance``, ``final``, ``start``,
  ``end`` in seconds of the speaker's audio, ``route``).

A message that is not such JSON is read as plain UTF-8 text; its id is ``seq-N``, as
the browser names it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

VERSION = 1


@dataclass(frozen=True)
class Text:
    id: str
    lang: str | None
    text: str
    interpret: bool = True

    def __repr__(self) -> str:
        return f"Text(id={self.id!r}, lang={self.lang!r}, interpret={self.interpret})"


@dataclass(frozen=True)
class Profile:
    lang: str
    interpret: bool = True
    name: str = ""
    engines: tuple[str, ...] = ()
    interpreter: bool = False


@dataclass(frozen=True)
class TranslationMessage:
    ref: str
    ref_seq: int
    lang: str
    text: str
    source_lang: str
    route: tuple[str, ...]
    engine: str

    def __repr__(self) -> str:
        return f"TranslationMessage(ref={self.ref!r}, route={'→'.join(self.route)})"


@dataclass(frozen=True)
class CaptionMessage:
    speaker: str
    utterance: int
    lang: str
    text: str
    final: bool
    start: float
    end: float | None
    route: tuple[str, ...]
    engine: str

    def __repr__(self) -> str:
        return f"CaptionMessage(utterance={self.utterance}, lang={self.lang!r})"


Envelope = Text | Profile | TranslationMessage | CaptionMessage


def new_id() -> str:
    return secrets.token_hex(12)


def text(body: str, lang: str | None, interpret: bool = True, id: str | None = None) -> bytes:
    return encode(Text(id or new_id(), lang, body, interpret))


def encode(item: Envelope) -> bytes:
    body: dict[str, Any] = {"v": VERSION, "id": item.id if isinstance(item, Text) else new_id(),
                            "ts": int(time.time() * 1000)}
    if isinstance(item, Text):
        body |= {"type": "text", "body": item.text}
        if item.lang:
            body["lang"] = item.lang
        if not item.interpret:
            body["interpret"] = False
    elif isinstance(item, Profile):
        body |= {"type": "profile", "lang": item.lang, "interpret": item.interpret,
                 "name": item.name}  # fmt: skip
        if item.interpreter:
            body |= {"interpreter": True, "engines": list(item.engines)}
    elif isinstance(item, TranslationMessage):
        body |= {"type": "translation", "ref": item.ref, "ref_seq": item.ref_seq,
                 "lang": item.lang, "body": item.text, "source_lang": item.source_lang,
                 "route": list(item.route), "engine": item.engine,
                 "machine_translated": True}  # fmt: skip
    else:
        body |= {"type": "caption", "speaker": item.speaker, "utterance": item.utterance,
                 "lang": item.lang, "body": item.text, "final": item.final,
                 "start": item.start, "end": item.end, "route": list(item.route),
                 "engine": item.engine, "machine_translated": len(item.route) > 1}  # fmt: skip
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(data: bytes, seq: int) -> Envelope | None:
    """The envelope in ``data``; plain text becomes a :class:`Text`; None if unusable."""
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        return Text(f"seq-{seq}", None, raw) if raw.strip() else None
    try:
        return _decode(body, seq)
    except (KeyError, TypeError, ValueError):
        return None


def _decode(body: dict[str, Any], seq: int) -> Envelope | None:
    kind = body.get("type")
    if kind == "text":
        lang = body.get("lang")
        return Text(str(body.get("id") or f"seq-{seq}"), str(lang) if lang else None,
                    str(body["body"]), body.get("interpret", True) is not False)  # fmt: skip
    if kind == "profile":
        return Profile(str(body["lang"]), body.get("interpret", True) is not False,
                       str(body.get("name", "")), tuple(body.get("engines", ())),
                       bool(body.get("interpreter", False)))  # fmt: skip
    if kind == "translation":
        return TranslationMessage(str(body["ref"]), int(body["ref_seq"]), str(body["lang"]),
                                  str(body["body"]), str(body["source_lang"]),
                                  tuple(body["route"]), str(body["engine"]))  # fmt: skip
    if kind == "caption":
        end = body.get("end")
        return CaptionMessage(str(body["speaker"]), int(body["utterance"]), str(body["lang"]),
                              str(body["body"]), bool(body["final"]), float(body["start"]),
                              None if end is None else float(end), tuple(body["route"]),
                              str(body["engine"]))  # fmt: skip
    return None
