"""The parts of HPKE (RFC 9180) that ``cryptography`` does not expose.

``cryptography`` offers single-shot HPKE seal/open; MLS also needs the base-mode
*exporter* (RFC 9180 §5.3) for external commits (RFC 9420 §12.4.3.2).  This module
implements DHKEM Encap/Decap (§4.1) for X25519 and P-256 with HKDF-SHA256, and the
mode_base key schedule (§5.1) up to ``exporter_secret``, on top of ``cryptography``'s
ECDH and the HKDF in :mod:`indaba.mls.crypto`.  DeriveKeyPair (§7.1.3) lives in
:meth:`indaba.mls.crypto.CipherSuite.derive_key_pair`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec, x25519

from .errors import CryptoError

if TYPE_CHECKING:
    from .crypto import CipherSuite

__all__ = ["export_receiver", "export_sender", "key_schedule_base"]

_KDF_HKDF_SHA256 = 0x0001
_AEAD_IDS = {"aes128gcm": 0x0001, "chacha20poly1305": 0x0003}
MODE_BASE = 0


def _labeled_extract(
    cs: CipherSuite, suite_id: bytes, salt: bytes, label: bytes, ikm: bytes
) -> bytes:
    return cs.extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def _labeled_expand(
    cs: CipherSuite, suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int
) -> bytes:
    full = length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info
    return cs.expand(prk, full, length)


def _kem_suite_id(cs: CipherSuite) -> bytes:
    return b"KEM" + cs.kem_id.to_bytes(2, "big")


def _hpke_suite_id(cs: CipherSuite) -> bytes:
    return (
        b"HPKE"
        + cs.kem_id.to_bytes(2, "big")
        + _KDF_HKDF_SHA256.to_bytes(2, "big")
        + _AEAD_IDS[cs.aead].to_bytes(2, "big")
    )


def _dh(cs: CipherSuite, private_key: bytes, public_key: bytes) -> bytes:
    try:
        if cs.kem == "x25519":
            sk = x25519.X25519PrivateKey.from_private_bytes(private_key)
            return sk.exchange(x25519.X25519PublicKey.from_public_bytes(public_key))
        ek = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SECP256R1())
        pk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
        return ek.exchange(ec.ECDH(), pk)
    except ValueError as exc:
        raise CryptoError("HPKE DH failed (invalid public key)") from exc


def _extract_and_expand(cs: CipherSuite, dh: bytes, kem_context: bytes) -> bytes:
    sid = _kem_suite_id(cs)
    eae_prk = _labeled_extract(cs, sid, b"", b"eae_prk", dh)
    return _labeled_expand(cs, sid, eae_prk, b"shared_secret", kem_context, cs.Nh)


def encap(cs: CipherSuite, public_key: bytes, ikm_e: bytes) -> tuple[bytes, bytes]:
    """DHKEM Encap (RFC 9180 §4.1) with the ephemeral key derived from ``ikm_e``."""
    sk_e, enc = cs.derive_key_pair(ikm_e)
    shared = _extract_and_expand(cs, _dh(cs, sk_e, public_key), enc + public_key)
    return shared, enc


def decap(cs: CipherSuite, enc: bytes, private_key: bytes) -> bytes:
    """DHKEM Decap (RFC 9180 §4.1)."""
    pk_r = cs.hpke_public_key(private_key)
    return _extract_and_expand(cs, _dh(cs, private_key, enc), enc + pk_r)


def key_schedule_base(cs: CipherSuite, shared_secret: bytes, info: bytes) -> dict[str, bytes]:
    """mode_base KeySchedule (RFC 9180 §5.1): key, base_nonce, exporter_secret."""
    sid = _hpke_suite_id(cs)
    psk_id_hash = _labeled_extract(cs, sid, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(cs, sid, b"", b"info_hash", info)
    context = bytes((MODE_BASE,)) + psk_id_hash + info_hash
    secret = _labeled_extract(cs, sid, shared_secret, b"secret", b"")
    return {
        "key": _labeled_expand(cs, sid, secret, b"key", context, cs.Nk),
        "base_nonce": _labeled_expand(cs, sid, secret, b"base_nonce", context, cs.Nn),
        "exporter_secret": _labeled_expand(cs, sid, secret, b"exp", context, cs.Nh),
    }


def _export(cs: CipherSuite, exporter_secret: bytes, exporter_context: bytes, length: int) -> bytes:
    return _labeled_expand(
        cs, _hpke_suite_id(cs), exporter_secret, b"sec", exporter_context, length
    )


def export_sender(
    cs: CipherSuite,
    public_key: bytes,
    info: bytes,
    exporter_context: bytes,
    length: int,
    ikm_e: bytes,
) -> tuple[bytes, bytes]:
    """SetupBaseS(pkR, info) then Export(exporter_context, L); returns (enc, secret)."""
    shared, enc = encap(cs, public_key, ikm_e)
    ks = key_schedule_base(cs, shared, info)
    return enc, _export(cs, ks["exporter_secret"], exporter_context, length)


def export_receiver(
    cs: CipherSuite,
    enc: bytes,
    private_key: bytes,
    info: bytes,
    exporter_context: bytes,
    length: int,
) -> bytes:
    """SetupBaseR(enc, skR, info) then Export(exporter_context, L)."""
    ks = key_schedule_base(cs, decap(cs, enc, private_key), info)
    return _export(cs, ks["exporter_secret"], exporter_context, length)
