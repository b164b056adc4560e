"""Welcome encryption and decryption (RFC 9420 §12.4.3.1).

A Welcome carries, per new member, ``GroupSecrets`` encrypted to the member's
KeyPackage ``init_key`` with EncryptWithLabel(., "Welcome", encrypted_group_info, .),
and one ``GroupInfo`` encrypted under a key derived from ``welcome_secret``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .crypto import CipherSuite
from .errors import DecodeError, UsageError, ValidationError
from .key_schedule import welcome_key_nonce
from .tree.update_path import HPKECiphertext
from .wire.welcome import EncryptedGroupSecrets, GroupInfo, GroupSecrets, Welcome

__all__ = [
    "decrypt_group_info",
    "decrypt_group_secrets",
    "encrypt_group_info",
    "encrypt_group_secrets",
    "find_group_secrets",
]


def find_group_secrets(welcome: Welcome, key_package_ref: bytes) -> EncryptedGroupSecrets:
    """The entry of ``welcome.secrets`` addressed to our KeyPackage (§12.4.3.1)."""
    for entry in welcome.secrets:
        if entry.new_member == key_package_ref:
            return entry
    raise ValidationError("Welcome holds no GroupSecrets for our KeyPackage")


def decrypt_group_secrets(
    cs: CipherSuite, entry: EncryptedGroupSecrets, init_priv: bytes, encrypted_group_info: bytes
) -> GroupSecrets:
    """DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, ...) (§12.4.3.1)."""
    ct = entry.encrypted_group_secrets
    plain = cs.decrypt_with_label(
        init_priv, b"Welcome", encrypted_group_info, ct.kem_output, ct.ciphertext
    )
    try:
        return GroupSecrets.decode(plain)
    except DecodeError as exc:
        raise DecodeError(f"GroupSecrets: {exc.message}") from exc


def decrypt_group_info(
    cs: CipherSuite, welcome_secret: bytes, encrypted_group_info: bytes
) -> GroupInfo:
    """Decrypt the GroupInfo with the welcome key and nonce (§12.4.3.1)."""
    key, nonce = welcome_key_nonce(cs, welcome_secret)
    plain = cs.aead_decrypt(key, nonce, b"", encrypted_group_info)
    try:
        return GroupInfo.decode(plain)
    except DecodeError as exc:
        raise DecodeError(f"GroupInfo: {exc.message}") from exc


def encrypt_group_info(cs: CipherSuite, welcome_secret: bytes, group_info: GroupInfo) -> bytes:
    key, nonce = welcome_key_nonce(cs, welcome_secret)
    return cs.aead_encrypt(key, nonce, b"", group_info.encode())


def encrypt_group_secrets(
    cs: CipherSuite,
    recipients: Sequence[tuple[bytes, bytes, GroupSecrets]],
    encrypted_group_info: bytes,
) -> Welcome:
    """A Welcome for ``(key_package_ref, init_key, group_secrets)`` recipients."""
    if not recipients:
        raise UsageError("a Welcome needs at least one recipient")
    entries = []
    for ref, init_key, secrets in recipients:
        kem_output, ct = cs.encrypt_with_label(
            init_key, b"Welcome", encrypted_group_info, secrets.encode()
        )
        entries.append(EncryptedGroupSecrets(ref, HPKECiphertext(kem_output, ct)))
    return Welcome(cs.suite_id, tuple(entries), encrypted_group_info)
