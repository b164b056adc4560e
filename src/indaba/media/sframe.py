"""SFrame (RFC 9605) for encoded media frames, exactly as the browser does it.

Theory of operation
-------------------
Every audio and video frame of a meeting is encrypted by its sender before it reaches
Janus, with keys that only members of the session's MLS group can compute.  This module
is the Python twin of ``web/src/media/sframe.ts`` (codec, keys, frames) and
``web/src/media/worker.ts`` (epochs and their grace period); the interop tests run the
TypeScript in Node and check that each side decrypts what the other encrypted::

    sframe_epoch_secret = MLS-Exporter("SFrame 1.0", "", 32)              each MLS epoch
    base_key  = HKDF-Expand(sframe_epoch_secret, sender leaf index as u64, 32)
    KID       = (leaf index << 4) | (epoch mod 16)
    key       = HKDF(base_key, salt="", "SFrame 1.0 Secret key "  ‖ KID u64 ‖ 0x0004, 16)
    salt      = HKDF(base_key, salt="", "SFrame 1.0 Secret salt " ‖ KID u64 ‖ 0x0004, 12)
    nonce     = salt XOR CTR (CTR big-endian in the last 8 bytes)
    frame     = clear codec bytes ‖ header(KID, CTR) ‖ AES-128-GCM(rest), AAD = header ‖ clear

The header is RFC 9605 §4.3's: one config byte ``X|KKK|Y|CCC`` -- a KID or CTR below 8
sits in its three bits, a larger one follows in 1-8 big-endian bytes (``X``/``Y`` set,
the bits give the length minus one) -- KID bytes first, then CTR bytes.

Deviations from RFC 9605, all for WebRTC (docs/media.md):

1. The first bytes of a frame stay in the clear so the SFU and the packetizer can read
   them -- Opus: 1 byte (the TOC); VP8: 10 bytes on key frames, 3 on delta frames.  They
   are authenticated (part of the AAD).
2. The header follows those clear bytes, not the start of the frame.
3. A sender's counter restarts with each epoch (first frame: CTR 1); the key changes with
   the epoch, so a (key, nonce) pair is never reused.  SFrame's key ratchet is unused.
4. Only 4 bits of the epoch travel in the KID: a receiver tries each epoch it holds whose
   number matches those bits, newest first, and keeps a retired epoch's keys for
   :data:`GRACE_SECONDS` (members that process the commit a little later still send in
   the old epoch for a moment).

A frame that does not authenticate is an :class:`SFrameError`; callers drop it, so
nothing undecrypted ever reaches a decoder.  No I/O, no clock of its own (``now`` is
passed in), nothing logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

CIPHER_SUITE = 0x0004  # AES_128_GCM_SHA256_128
EPOCH_BITS = 4
EXPORTER_LABEL = b"SFrame 1.0"
EXPORTER_CONTEXT = b""
EXPORTER_LENGTH = 32
GRACE_SECONDS = 10.0  # worker.ts GRACE_MS
KEY_BYTES = 16
SALT_BYTES = 12
TAG_BYTES = 16
MAX_U64 = (1 << 64) - 1

Kind = Literal["audio", "video"]


class SFrameError(Exception):
    """A frame that is not SFrame, or does not authenticate with the key tried."""


def u64(value: int) -> bytes:
    if not 0 <= value <= MAX_U64:
        raise ValueError(f"{value} does not fit in 64 bits")
    return value.to_bytes(8, "big")


def key_id(sender_index: int, epoch: int) -> int:
    if sender_index < 0 or epoch < 0:
        raise ValueError("sender index and epoch must not be negative")
    return (sender_index << EPOCH_BITS) | (epoch % (1 << EPOCH_BITS))


def split_key_id(kid: int) -> tuple[int, int]:
    """(sender leaf index, epoch mod 16) of a KID."""
    return kid >> EPOCH_BITS, kid & ((1 << EPOCH_BITS) - 1)


def base_key(epoch_secret: bytes, sender_index: int) -> bytes:
    return HKDFExpand(hashes.SHA256(), 32, u64(sender_index)).derive(epoch_secret)


def _hkdf(ikm: bytes, info: bytes, length: int) -> bytes:
    # an empty salt is HashLen zeros (RFC 5869), which is what WebCrypto does with salt=""
    return HKDF(hashes.SHA256(), length, None, info).derive(ikm)


@dataclass(frozen=True)
class SFrameKey:
    kid: int
    aead: AESGCM = field(repr=False)
    salt: bytes = field(repr=False)


def derive_key(base: bytes, kid: int) -> SFrameKey:
    suffix = u64(kid) + CIPHER_SUITE.to_bytes(2, "big")
    raw = _hkdf(base, b"SFrame 1.0 Secret key " + suffix, KEY_BYTES)
    salt = _hkdf(base, b"SFrame 1.0 Secret salt " + suffix, SALT_BYTES)
    return SFrameKey(kid, AESGCM(raw), salt)


def sender_key(epoch_secret: bytes, sender_index: int, epoch: int) -> SFrameKey:
    return derive_key(base_key(epoch_secret, sender_index), key_id(sender_index, epoch))


def _minimal(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def encode_header(kid: int, ctr: int) -> bytes:
    if not 0 <= kid <= MAX_U64 or not 0 <= ctr <= MAX_U64:
        raise ValueError("KID and CTR are unsigned 64-bit values")
    config = 0
    parts = b""
    if kid < 8:
        config |= kid << 4
    else:
        k = _minimal(kid)
        config |= 0x80 | ((len(k) - 1) << 4)
        parts += k
    if ctr < 8:
        config |= ctr
    else:
        c = _minimal(ctr)
        config |= 0x08 | (len(c) - 1)
        parts += c
    return bytes([config]) + parts


def decode_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """(KID, CTR, header length) of the header at ``offset``."""
    if offset >= len(data):
        raise SFrameError("empty frame")
    config = data[offset]
    pos = offset + 1

    def read(n: int) -> int:
        nonlocal pos
        if pos + n > len(data):
            raise SFrameError("truncated header")
        value = int.from_bytes(data[pos : pos + n], "big")
        pos += n
        return value

    kid = read(((config >> 4) & 0x7) + 1) if config & 0x80 else (config >> 4) & 0x7
    ctr = read((config & 0x7) + 1) if config & 0x08 else config & 0x7
    return kid, ctr, pos - offset


def _nonce(salt: bytes, ctr: int) -> bytes:
    return (int.from_bytes(salt, "big") ^ ctr).to_bytes(SALT_BYTES, "big")


def encrypt_frame(key: SFrameKey, ctr: int, frame: bytes, clear_bytes: int) -> bytes:
    """Encrypt one frame; its first ``clear_bytes`` stay readable and authenticated."""
    clear = frame[: min(clear_bytes, len(frame))]
    header = encode_header(key.kid, ctr)
    sealed = key.aead.encrypt(_nonce(key.salt, ctr), frame[len(clear) :], header + clear)
    return clear + header + sealed


def peek_key_id(data: bytes, clear_bytes: int) -> int | None:
    """The KID of an encrypted frame, or None when it cannot be one."""
    try:
        return decode_header(data, min(clear_bytes, len(data)))[0]
    except SFrameError:
        return None


def decrypt_frame(key: SFrameKey, data: bytes, clear_bytes: int) -> bytes:
    clear_length = min(clear_bytes, len(data))
    clear = data[:clear_length]
    kid, ctr, length = decode_header(data, clear_length)
    if kid != key.kid:
        raise SFrameError("wrong key id")
    header = data[clear_length : clear_length + length]
    body = data[clear_length + length :]
    if len(body) < TAG_BYTES:
        raise SFrameError("truncated frame")
    try:
        plain = key.aead.decrypt(_nonce(key.salt, ctr), body, header + clear)
    except InvalidTag:
        raise SFrameError("authentication failed") from None
    return clear + plain


def clear_bytes_for(kind: Kind, frame_type: str | None = None) -> int:
    """Leading clear bytes (sframe.ts ``clearBytesFor``): Opus TOC; VP8 payload header."""
    if kind == "audio":
        return 1
    return 10 if frame_type == "key" else 3


def vp8_frame_type(frame: bytes) -> str:
    """The VP8 frame's type, "key" or "delta" (RFC 6386 §9.1: bit 0 of byte 0 clear = key)."""
    return "key" if frame and not frame[0] & 0x01 else "delta"


# -- epochs -------------------------------------------------------------------------------
@dataclass
class _Epoch:
    epoch: int
    secret: bytes = field(repr=False)
    retired_at: float | None = None


@dataclass(frozen=True)
class Decrypted:
    sender_index: int
    epoch: int
    frame: bytes = field(repr=False)


class SFrameContext:
    """The epochs a member holds, as worker.ts keeps them: encrypt in the newest, decrypt
    with any epoch still inside its grace period.  ``now`` is any monotonic clock."""

    def __init__(self, clock: Callable[[], float], grace: float = GRACE_SECONDS) -> None:
        self.clock = clock
        self.grace = grace
        self.sender_index: int | None = None
        self._epochs: list[_Epoch] = []
        self._keys: dict[tuple[int, int], SFrameKey] = {}
        self._ctr = 0

    @property
    def epoch(self) -> int | None:
        """The newest epoch (the one we send in)."""
        return self._epochs[-1].epoch if self._epochs else None

    @property
    def epochs(self) -> tuple[int, ...]:
        """Every epoch held now, oldest first (retired ones until their grace ends)."""
        self._forget(self.clock())
        return tuple(e.epoch for e in self._epochs)

    def set_epoch(self, epoch: int, secret: bytes, sender_index: int | None = None) -> None:
        """A new MLS epoch: its exporter secret, and our own leaf index if we send."""
        if len(secret) != EXPORTER_LENGTH:
            raise ValueError(f"an SFrame epoch secret is {EXPORTER_LENGTH} bytes")
        if self._epochs and self._epochs[-1].epoch == epoch and self._epochs[-1].secret == secret:
            self.sender_index = sender_index  # the same epoch again
            return
        now = self.clock()
        for held in self._epochs:
            if held.retired_at is None:
                held.retired_at = now
        # another secret for an epoch number we hold: the new one wins (as in worker.ts)
        self._epochs = [e for e in self._epochs if e.epoch != epoch]
        self._keys = {k: v for k, v in self._keys.items() if k[0] != epoch}
        self._epochs.append(_Epoch(epoch, secret))
        self.sender_index = sender_index
        self._ctr = 0
        self._forget(now)

    def remove(self) -> None:
        """Removed from the group: no key at all, at once."""
        self._epochs.clear()
        self._keys.clear()
        self.sender_index = None

    def _usable(self, now: float) -> list[_Epoch]:
        return [e for e in self._epochs if e.retired_at is None or now - e.retired_at < self.grace]

    def _forget(self, now: float) -> None:
        usable = {e.epoch for e in self._usable(now)}
        self._epochs = [e for e in self._epochs if e.epoch in usable]
        self._keys = {k: v for k, v in self._keys.items() if k[0] in usable}

    def _key(self, held: _Epoch, sender_index: int) -> SFrameKey:
        key = self._keys.get((held.epoch, sender_index))
        if key is None:
            key = sender_key(held.secret, sender_index, held.epoch)
            self._keys[(held.epoch, sender_index)] = key
        return key

    def encrypt(self, frame: bytes, kind: Kind, frame_type: str | None = None) -> bytes:
        if not self._epochs or self.sender_index is None:
            raise SFrameError("no key to send with")  # never send in the clear
        self._ctr += 1
        key = self._key(self._epochs[-1], self.sender_index)
        return encrypt_frame(key, self._ctr, frame, clear_bytes_for(kind, frame_type))

    def decrypt(self, data: bytes, kind: Kind, frame_type: str | None = None) -> Decrypted:
        """The sender, epoch and clear frame, or SFrameError (drop the frame)."""
        clear = clear_bytes_for(kind, frame_type)
        kid = peek_key_id(data, clear)
        if kid is None:
            raise SFrameError("not an SFrame frame")
        sender, bits = split_key_id(kid)
        now = self.clock()
        self._forget(now)
        candidates = [e for e in self._epochs if e.epoch % (1 << EPOCH_BITS) == bits]
        for held in reversed(candidates):
            try:
                return Decrypted(sender, held.epoch, decrypt_frame(self._key(held, sender), data,
                                                                    clear))  # fmt: skip
            except SFrameError:
                continue
        raise SFrameError("no key for this frame" if not candidates else "authentication failed")
