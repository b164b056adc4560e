"""The verification code and the application-message envelope shared with the browser."""

from __future__ import annotations

import pytest

from indaba.client.envelope import (
    Envelope,
    decode,
    encode_delete,
    encode_text,
    encode_timer,
)
from indaba.client.verification import LABEL, format_code, verification_code
from indaba.mls.crypto import cipher_suite
from indaba.mls.group import create_group, join_by_external_commit
from indaba.mls.tree.leaf_node import Credential


def test_format_code_is_four_groups_of_five_digits_from_big_endian_words() -> None:
    secret = bytes([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 7]) + bytes(8)
    # the same vector as web/test/conversation.test.ts
    assert format_code(secret) == "67295 00007 00000 00000"
    with pytest.raises(ValueError):
        format_code(bytes(15))


def test_members_of_one_epoch_share_the_code_and_a_commit_changes_it() -> None:
    cs = cipher_suite(1)
    alice = create_group(
        cs, b"session", Credential.basic(b"alice"), cs.generate_signature_key_pair()[0]
    )
    before = verification_code(alice)
    bob, commit = join_by_external_commit(
        cs, alice.group_info(), Credential.basic(b"bob"), cs.generate_signature_key_pair()[0]
    )
    alice.merge(alice.process(commit))  # type: ignore[arg-type]
    assert verification_code(alice) == verification_code(bob) != before
    assert verification_code(bob) == format_code(bob.export_secret(LABEL, b"", 16))


def test_envelopes_round_trip_and_plain_text_is_text() -> None:
    text = decode(encode_text("héllo", message_id="abc", ts=5))
    assert text == Envelope("text", "abc", 5, body="héllo")
    delete = decode(encode_delete("abc", ts=6))
    assert delete is not None and (delete.type, delete.target) == ("delete", "abc")
    timer = decode(encode_timer(3600, ts=7))
    assert timer is not None and (timer.type, timer.seconds) == ("timer", 3600)
    assert decode(b"just words", "seq-1", now=9) == Envelope("text", "seq-1", 9, body="just words")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff",
        b'{"v": 2, "type": "text", "id": "a", "body": "b"}',
        b'{"v": 1, "type": "text", "id": "", "body": "b"}',
        b'{"v": 1, "type": "timer", "id": "a", "seconds": -1}',
        b'{"v": 1, "type": "timer", "id": "a", "seconds": true}',
        b'{"v": 1, "type": "delete", "id": "a"}',
        b'{"v": 1, "type": "shout", "id": "a"}',
    ],
)
def test_junk_decodes_to_none(data: bytes) -> None:
    assert decode(data) is None


def test_timer_bounds() -> None:
    with pytest.raises(ValueError):
        encode_timer(-1)


def test_the_terminal_chat_shows_browser_envelopes_as_text() -> None:
    from indaba.client.chat_cli import _line
    from indaba.client.member import Message

    text = Message(3, "abcdefgh-ijk", encode_text("hello from a browser"))
    assert _line(text) == "[3] abcdefgh: hello from a browser"
    assert _line(Message(4, "m", b"plain words", own=True)) == "[4] you: plain words"
    assert _line(Message(5, "m", encode_timer(60))) == "* [5] m set disappearing messages to 60 s"
    assert _line(Message(6, "m", encode_delete("x"))) == "* [6] m deleted one of their messages"
    assert _line(Message(7, "m", b"\xff")) == "! [7] m: an unreadable message"
