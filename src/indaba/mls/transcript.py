"""Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1)."""

from __future__ import annotations

from .codec import encode_varint
from .crypto import CipherSuite
from .wire.framing import AuthenticatedContent

__all__ = [
    "confirmation_tag",
    "confirmed_transcript_hash",
    "interim_transcript_hash",
]


def confirmed_transcript_hash(
    cs: CipherSuite, interim_transcript_hash: bytes, commit: AuthenticatedContent
) -> bytes:
    """Hash(interim[n-1] || ConfirmedTranscriptHashInput[n]) (§8.2)."""
    return cs.hash(interim_transcript_hash + commit.confirmed_transcript_hash_input())


def interim_transcript_hash(
    cs: CipherSuite, confirmed_transcript_hash: bytes, confirmation_tag: bytes
) -> bytes:
    """Hash(confirmed[n] || InterimTranscriptHashInput[n]) (§8.2)."""
    tag = encode_varint(len(confirmation_tag)) + confirmation_tag
    return cs.hash(confirmed_transcript_hash + tag)


def confirmation_tag(cs: CipherSuite, confirmation_key: bytes, confirmed_hash: bytes) -> bytes:
    """MAC(confirmation_key, confirmed_transcript_hash) (§6.1)."""
    return cs.mac(confirmation_key, confirmed_hash)
