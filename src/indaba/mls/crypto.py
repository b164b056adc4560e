"""Cipher suites and the labelled crypto helpers of RFC 9420 §5.

Supported suites (RFC 9420 §17.1):

* 1 ``MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519``
* 2 ``MLS_128_DHKEMP256_AES128GCM_SHA256_P256``
* 3 ``MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519``

Keys are raw bytes in their RFC 9420 wire form: Ed25519 32-byte seeds and raw public
keys; P-256 32-byte private scalars and uncompressed SEC1 public keys; X25519 raw
32-byte keys.  Labels are passed *without* the ``"MLS 1.0 "`` prefix; the helpers add
it (except :meth:`CipherSuite.ref_hash`, whose label is used verbatim as in §5.2).

HKDF (RFC 5869) and HMAC use :mod:`hmac`; HPKE (RFC 9180) uses ``cryptography``,
except ``DeriveKeyPair`` (RFC 9180 §7.1.3), which ``cryptography`` lacks and is
written here from the RFC.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .codec import encode_varint
from .errors import CryptoError, UsageError

__all__ = ["SUPPORTED_SUITES", "CipherSuite", "cipher_suite"]

LABEL_PREFIX = b"MLS 1.0 "
SUPPORTED_SUITES = (1, 2, 3)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

KemName = Literal["x25519", "p256"]
SigName = Literal["ed25519", "p256"]
AeadName = Literal["aes128gcm", "chacha20poly1305"]
_HpkePublic = x25519.X25519PublicKey | ec.EllipticCurvePublicKey
_HpkePrivate = x25519.X25519PrivateKey | ec.EllipticCurvePrivateKey


def _v(b: bytes) -> bytes:
    return encode_varint(len(b)) + b


@dataclass(frozen=True)
class CipherSuite:
    """One MLS cipher suite: hash/KDF, AEAD, HPKE KEM and signature scheme."""

    suite_id: int
    name: str
    kem: KemName
    aead: AeadName
    signature: SigName
    Nh: int
    Nk: int
    Nn: int
    kem_id: int
    Nsk: int

    # --- hash, KDF, MAC -----------------------------------------------------
    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def mac(self, key: bytes, data: bytes) -> bytes:
        """MAC = HMAC with the suite hash (RFC 9420 §5.1)."""
        return hmac.digest(key, data, "sha256")

    def extract(self, salt: bytes, ikm: bytes) -> bytes:
        """HKDF-Extract (RFC 5869 §2.2); an empty salt means Nh zero bytes."""
        return hmac.digest(salt or bytes(self.Nh), ikm, "sha256")

    def expand(self, prk: bytes, info: bytes, length: int) -> bytes:
        """HKDF-Expand (RFC 5869 §2.3)."""
        if length > 255 * self.Nh:
            raise UsageError(f"HKDF-Expand length {length} too large")
        out = b""
        block = b""
        counter = 1
        while len(out) < length:
            block = hmac.digest(prk, block + info + bytes((counter,)), "sha256")
            out += block
            counter += 1
        return out[:length]

    def expand_with_label(self, secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
        """ExpandWithLabel (RFC 9420 §5.1)."""
        info = length.to_bytes(2, "big") + _v(LABEL_PREFIX + label) + _v(context)
        return self.expand(secret, info, length)

    def derive_secret(self, secret: bytes, label: bytes) -> bytes:
        """DeriveSecret (RFC 9420 §5.1)."""
        return self.expand_with_label(secret, label, b"", self.Nh)

    def derive_tree_secret(
        self, secret: bytes, label: bytes, generation: int, length: int
    ) -> bytes:
        """DeriveTreeSecret (RFC 9420 §9)."""
        return self.expand_with_label(secret, label, generation.to_bytes(4, "big"), length)

    def ref_hash(self, label: bytes, value: bytes) -> bytes:
        """RefHash (RFC 9420 §5.2); ``label`` is used verbatim (it carries its prefix)."""
        return self.hash(_v(label) + _v(value))

    def make_key_package_ref(self, key_package: bytes) -> bytes:
        """KeyPackageRef (RFC 9420 §5.2)."""
        return self.ref_hash(b"MLS 1.0 KeyPackage Reference", key_package)

    def make_proposal_ref(self, authenticated_content: bytes) -> bytes:
        """ProposalRef (RFC 9420 §5.2)."""
        return self.ref_hash(b"MLS 1.0 Proposal Reference", authenticated_content)

    # --- signatures ----------------------------------------------------------
    def generate_signature_key_pair(self) -> tuple[bytes, bytes]:
        """Fresh (private, public) signature keys in wire form."""
        if self.signature == "ed25519":
            sk = ed25519.Ed25519PrivateKey.generate()
            return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()
        ek = ec.generate_private_key(ec.SECP256R1())
        return _p256_private_bytes(ek), _p256_public_bytes(ek.public_key())

    def signature_public_key(self, private_key: bytes) -> bytes:
        if self.signature == "ed25519":
            return _ed25519_private(private_key).public_key().public_bytes_raw()
        return _p256_public_bytes(_p256_private(private_key).public_key())

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        if self.signature == "ed25519":
            return _ed25519_private(private_key).sign(message)
        return _p256_private(private_key).sign(message, ec.ECDSA(hashes.SHA256()))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            if self.signature == "ed25519":
                ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
            else:
                _check_der_signature(signature)
                pk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
                pk.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def sign_with_label(self, private_key: bytes, label: bytes, content: bytes) -> bytes:
        """SignWithLabel (RFC 9420 §5.1.2)."""
        return self.sign(private_key, _v(LABEL_PREFIX + label) + _v(content))

    def verify_with_label(
        self, public_key: bytes, label: bytes, content: bytes, signature: bytes
    ) -> bool:
        """VerifyWithLabel (RFC 9420 §5.1.2)."""
        return self.verify(public_key, _v(LABEL_PREFIX + label) + _v(content), signature)

    # --- HPKE ----------------------------------------------------------------
    def _hpke_suite(self) -> hpke.Suite:
        return _hpke_suite_for(self.kem, self.aead)

    @property
    def Nenc(self) -> int:
        return 32 if self.kem == "x25519" else 65

    def hpke_seal(self, public_key: bytes, info: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
        """HPKE SealBase with empty aad (RFC 9180 §6.1); returns (enc, ciphertext)."""
        try:
            pk = _hpke_public(self.kem, public_key)
        except ValueError as exc:
            raise CryptoError("invalid HPKE public key") from exc
        out = self._hpke_suite().encrypt(plaintext, pk, info=info)
        return out[: self.Nenc], out[self.Nenc :]

    def hpke_open(self, private_key: bytes, info: bytes, enc: bytes, ciphertext: bytes) -> bytes:
        """HPKE OpenBase with empty aad (RFC 9180 §6.1)."""
        if len(enc) != self.Nenc:
            raise CryptoError("HPKE kem_output has the wrong length")
        try:
            sk = _hpke_private(self.kem, private_key)
            return self._hpke_suite().decrypt(enc + ciphertext, sk, info=info)
        except (InvalidTag, ValueError) as exc:
            raise CryptoError("HPKE decryption failed") from exc

    def encrypt_with_label(
        self, public_key: bytes, label: bytes, context: bytes, plaintext: bytes
    ) -> tuple[bytes, bytes]:
        """EncryptWithLabel (RFC 9420 §5.1.3); returns (kem_output, ciphertext)."""
        return self.hpke_seal(public_key, _v(LABEL_PREFIX + label) + _v(context), plaintext)

    def decrypt_with_label(
        self, private_key: bytes, label: bytes, context: bytes, kem_output: bytes, ciphertext: bytes
    ) -> bytes:
        """DecryptWithLabel (RFC 9420 §5.1.3)."""
        info = _v(LABEL_PREFIX + label) + _v(context)
        return self.hpke_open(private_key, info, kem_output, ciphertext)

    def derive_key_pair(self, ikm: bytes) -> tuple[bytes, bytes]:
        """HPKE DeriveKeyPair (RFC 9180 §7.1.3); returns serialized (private, public)."""
        suite_id = b"KEM" + self.kem_id.to_bytes(2, "big")
        dkp_prk = self.extract(b"", b"HPKE-v1" + suite_id + b"dkp_prk" + ikm)

        def labeled_expand(label: bytes, info: bytes) -> bytes:
            full = self.Nsk.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info
            return self.expand(dkp_prk, full, self.Nsk)

        if self.kem == "x25519":
            sk = labeled_expand(b"sk", b"")
            pub = x25519.X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes_raw()
            return sk, pub
        for counter in range(256):
            candidate = labeled_expand(b"candidate", bytes((counter,)))
            value = int.from_bytes(candidate, "big")  # bitmask 0xff: no bits cleared
            if 0 < value < _P256_ORDER:
                key = ec.derive_private_key(value, ec.SECP256R1())
                return candidate, _p256_public_bytes(key.public_key())
        raise CryptoError("DeriveKeyPairError")  # pragma: no cover - probability 2^-8192

    def hpke_public_key(self, private_key: bytes) -> bytes:
        """The serialized public key matching an HPKE private key."""
        sk = _hpke_private(self.kem, private_key)
        if isinstance(sk, x25519.X25519PrivateKey):
            return sk.public_key().public_bytes_raw()
        return _p256_public_bytes(sk.public_key())

    def generate_hpke_key_pair(self) -> tuple[bytes, bytes]:
        """A fresh HPKE key pair (private, public) in serialized form."""
        import os

        return self.derive_key_pair(os.urandom(self.Nsk))

    # --- AEAD ----------------------------------------------------------------
    def _aead(self, key: bytes) -> AESGCM | ChaCha20Poly1305:
        if len(key) != self.Nk:
            raise UsageError(f"AEAD key must be {self.Nk} bytes")
        return AESGCM(key) if self.aead == "aes128gcm" else ChaCha20Poly1305(key)

    def aead_encrypt(self, key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
        return self._aead(key).encrypt(nonce, plaintext, aad)

    def aead_decrypt(self, key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
        try:
            return self._aead(key).decrypt(nonce, ciphertext, aad)
        except InvalidTag as exc:
            raise CryptoError("AEAD decryption failed") from exc


_SUITES = {
    1: CipherSuite(
        1,
        "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
        "x25519",
        "aes128gcm",
        "ed25519",
        32,
        16,
        12,
        0x0020,
        32,
    ),
    2: CipherSuite(
        2,
        "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
        "p256",
        "aes128gcm",
        "p256",
        32,
        16,
        12,
        0x0010,
        32,
    ),
    3: CipherSuite(
        3,
        "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
        "x25519",
        "chacha20poly1305",
        "ed25519",
        32,
        32,
        12,
        0x0020,
        32,
    ),
}


@functools.cache
def _hpke_suite_for(kem: KemName, aead: AeadName) -> hpke.Suite:
    hpke_kem = hpke.KEM.X25519 if kem == "x25519" else hpke.KEM.P256
    hpke_aead = hpke.AEAD.AES_128_GCM if aead == "aes128gcm" else hpke.AEAD.CHACHA20_POLY1305
    return hpke.Suite(hpke_kem, hpke.KDF.HKDF_SHA256, hpke_aead)


def cipher_suite(suite_id: int) -> CipherSuite:
    """The :class:`CipherSuite` for an RFC 9420 §17.1 id; UsageError if unsupported."""
    try:
        return _SUITES[suite_id]
    except KeyError:
        raise UsageError(
            f"cipher suite {suite_id} is not supported (indaba.mls supports suites 1, 2, 3)"
        ) from None


def _ed25519_private(private_key: bytes) -> ed25519.Ed25519PrivateKey:
    try:
        return ed25519.Ed25519PrivateKey.from_private_bytes(private_key)
    except ValueError as exc:
        raise UsageError("invalid Ed25519 private key") from exc


def _p256_private(private_key: bytes) -> ec.EllipticCurvePrivateKey:
    value = int.from_bytes(private_key, "big")
    if len(private_key) != 32 or not 0 < value < _P256_ORDER:
        raise UsageError("invalid P-256 private key")
    return ec.derive_private_key(value, ec.SECP256R1())


def _p256_private_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


def _p256_public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _check_der_signature(signature: bytes) -> None:
    r, s = decode_dss_signature(signature)
    if encode_dss_signature(r, s) != signature:
        raise ValueError("non-canonical DER signature")


def _hpke_public(kem: KemName, public_key: bytes) -> _HpkePublic:
    if kem == "x25519":
        return x25519.X25519PublicKey.from_public_bytes(public_key)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)


def _hpke_private(kem: KemName, private_key: bytes) -> _HpkePrivate:
    try:
        if kem == "x25519":
            return x25519.X25519PrivateKey.from_private_bytes(private_key)
        return _p256_private(private_key)
    except (ValueError, UsageError) as exc:
        raise CryptoError("invalid HPKE private key") from exc
