"""transcript-hashes.json: confirmation tag and transcript hash updates (RFC 9420 §8.2)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.transcript import (
    confirmation_tag,
    confirmed_transcript_hash,
    interim_transcript_hash,
)
from indaba.mls.wire.framing import AuthenticatedContent, ContentType

from .vectors import cases


@pytest.mark.parametrize("case", cases("transcript-hashes.json"))
def test_transcript_hashes(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    ac = AuthenticatedContent.decode(case["authenticated_content"])
    assert ac.encode() == case["authenticated_content"], "authenticated_content re-encoding"
    assert ac.content.content_type == ContentType.COMMIT
    confirmed = confirmed_transcript_hash(cs, case["interim_transcript_hash_before"], ac)
    assert confirmed == case["confirmed_transcript_hash_after"], "confirmed hash mismatch"
    tag = confirmation_tag(cs, case["confirmation_key"], confirmed)
    assert tag == ac.auth.confirmation_tag, "confirmation_tag mismatch"
    interim = interim_transcript_hash(cs, confirmed, tag)
    assert interim == case["interim_transcript_hash_after"], "interim hash mismatch"
