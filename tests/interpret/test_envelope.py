"""Interpretation's envelopes: round trips, and compatibility with the conversation's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indaba.client import envelope as conversation
from indaba.interpret import envelope


def test_text_with_language_and_opt_out_is_still_a_conversation_text() -> None:
    data = envelope.text("Hola a todos", "es", interpret=False, id="abc")
    seen = conversation.decode(data)
    assert seen is not None and (seen.type, seen.id, seen.body) == ("text", "abc", "Hola a todos")
    assert envelope.decode(data, 5) == envelope.Text("abc", "es", "Hola a todos", False)


def test_a_conversation_text_is_interpretable_with_unknown_language() -> None:
    item = envelope.decode(conversation.encode_text("hello", message_id="m1"), 9)
    assert item == envelope.Text("m1", None, "hello", True)


def test_plain_utf8_is_text_identified_by_its_seq() -> None:
    assert envelope.decode(b"just words", 7) == envelope.Text("seq-7", None, "just words")
    assert envelope.decode(b"\xff\xfe", 7) is None
    assert envelope.decode(b'{"v": 1, "type": "mystery"}', 7) is None


def test_interpretation_types_round_trip_and_old_clients_ignore_them() -> None:
    items: list[envelope.Envelope] = [
        envelope.Profile("es", interpret=False, name="Beatriz"),
        envelope.Profile("mul", False, "Interpreter", ("apertium",), interpreter=True),
        envelope.TranslationMessage("m1", 3, "fr", "Bonjour", "en", ("en", "es", "fr"), "apertium"),
        envelope.CaptionMessage("spk", 2, "es", "Hola", True, 0.5, 1.75, ("en", "es"), "apertium"),
    ]
    for item in items:
        data = envelope.encode(item)
        assert envelope.decode(data, 1) == item
        assert conversation.decode(data) is None


def test_translation_is_labelled_machine_translated() -> None:
    data = envelope.encode(
        envelope.TranslationMessage("m1", 3, "es", "Hola", "en", ("en", "es"), "apertium")
    )
    assert b'"machine_translated":true' in data and b'"ref":"m1"' in data


@given(st.binary(max_size=200))
def test_decode_never_raises(data: bytes) -> None:
    envelope.decode(data, 1)
