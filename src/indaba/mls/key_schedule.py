"""The epoch key schedule of RFC 9420 §8.

Theory of operation
-------------------
Each epoch mixes three inputs -- the previous ``init_secret``, the ``commit_secret``
produced by TreeKEM, and the ``psk_secret`` -- with the new GroupContext, and fans the
resulting ``epoch_secret`` out into purpose-specific secrets::

              init_secret[n-1]
                    |
                    v
    commit_secret -> Extract
                    |
                    v
        ExpandWithLabel(., "joiner", GroupContext[n], Nh)
                    |
                    v
               joiner_secret ---------------------------.
                    |                                   |
                    v                                   v
     psk_secret -> Extract                    (Welcome path starts here)
                    |
                    +--> DeriveSecret(., "welcome") = welcome_secret
                    v
        ExpandWithLabel(., "epoch", GroupContext[n], Nh)
                    |
                    v
               epoch_secret --> DeriveSecret(., label) for each label below
                    |
                    v
        DeriveSecret(., "init") = init_secret[n]

A new member who receives ``joiner_secret`` in a Welcome enters at the marked point;
everyone else enters at the top.  Secrets live in :class:`EpochSecrets`, whose repr
never shows bytes.  Python cannot reliably erase memory: see docs/mls.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .crypto import CipherSuite

__all__ = [
    "EpochSecrets",
    "derive_epoch_secrets",
    "external_key_pair",
    "joiner_secret_for",
    "mls_exporter",
    "secrets_from_epoch_secret",
    "welcome_key_nonce",
    "welcome_secret_for",
]


@dataclass(frozen=True)
class EpochSecrets:
    """The secrets of one epoch (RFC 9420 §8 table 4). Never printed."""

    joiner_secret: bytes = field(repr=False)
    welcome_secret: bytes = field(repr=False)
    epoch_secret: bytes = field(repr=False)
    sender_data_secret: bytes = field(repr=False)
    encryption_secret: bytes = field(repr=False)
    exporter_secret: bytes = field(repr=False)
    external_secret: bytes = field(repr=False)
    confirmation_key: bytes = field(repr=False)
    membership_key: bytes = field(repr=False)
    resumption_psk: bytes = field(repr=False)
    epoch_authenticator: bytes = field(repr=False)
    init_secret: bytes = field(repr=False)

    def __repr__(self) -> str:
        return "EpochSecrets(<redacted>)"

    def without_transient(self) -> EpochSecrets:
        """Drop the secrets a member no longer needs once the epoch is set up.

        ``joiner_secret``, ``welcome_secret`` and ``epoch_secret`` only serve to derive
        the others, and ``encryption_secret`` lives on in the secret tree, which deletes
        it as it derives; keeping them would weaken forward secrecy (§9.2, §16.6).
        """
        return replace(
            self, joiner_secret=b"", welcome_secret=b"", epoch_secret=b"", encryption_secret=b""
        )

    FIELDS = (
        "joiner_secret",
        "welcome_secret",
        "epoch_secret",
        "sender_data_secret",
        "encryption_secret",
        "exporter_secret",
        "external_secret",
        "confirmation_key",
        "membership_key",
        "resumption_psk",
        "epoch_authenticator",
        "init_secret",
    )


def joiner_secret_for(
    cs: CipherSuite, init_secret: bytes, commit_secret: bytes, group_context: bytes
) -> bytes:
    """joiner_secret = ExpandWithLabel(Extract(init, commit), "joiner", GC, Nh) (§8)."""
    prk = cs.extract(init_secret, commit_secret)
    return cs.expand_with_label(prk, b"joiner", group_context, cs.Nh)


def welcome_secret_for(cs: CipherSuite, joiner_secret: bytes, psk_secret: bytes) -> bytes:
    """welcome_secret = DeriveSecret(Extract(joiner, psk), "welcome") (§8)."""
    return cs.derive_secret(cs.extract(joiner_secret, psk_secret), b"welcome")


def welcome_key_nonce(cs: CipherSuite, welcome_secret: bytes) -> tuple[bytes, bytes]:
    """The AEAD key and nonce that protect GroupInfo in a Welcome (§12.4.3.1)."""
    key = cs.expand_with_label(welcome_secret, b"key", b"", cs.Nk)
    nonce = cs.expand_with_label(welcome_secret, b"nonce", b"", cs.Nn)
    return key, nonce


def derive_epoch_secrets(
    cs: CipherSuite, joiner_secret: bytes, psk_secret: bytes, group_context: bytes
) -> EpochSecrets:
    """All epoch secrets from ``joiner_secret`` onwards (RFC 9420 §8)."""
    member_prk = cs.extract(joiner_secret, psk_secret)
    welcome_secret = cs.derive_secret(member_prk, b"welcome")
    epoch_secret = cs.expand_with_label(member_prk, b"epoch", group_context, cs.Nh)
    return secrets_from_epoch_secret(cs, epoch_secret, joiner_secret, welcome_secret)


def secrets_from_epoch_secret(
    cs: CipherSuite, epoch_secret: bytes, joiner_secret: bytes = b"", welcome_secret: bytes = b""
) -> EpochSecrets:
    """The secrets derived from ``epoch_secret`` (§8); a new group starts here (§11)."""

    def d(label: bytes) -> bytes:
        return cs.derive_secret(epoch_secret, label)

    return EpochSecrets(
        joiner_secret=joiner_secret,
        welcome_secret=welcome_secret,
        epoch_secret=epoch_secret,
        sender_data_secret=d(b"sender data"),
        encryption_secret=d(b"encryption"),
        exporter_secret=d(b"exporter"),
        external_secret=d(b"external"),
        confirmation_key=d(b"confirm"),
        membership_key=d(b"membership"),
        resumption_psk=d(b"resumption"),
        epoch_authenticator=d(b"authentication"),
        init_secret=d(b"init"),
    )


def mls_exporter(
    cs: CipherSuite, exporter_secret: bytes, label: bytes, context: bytes, length: int
) -> bytes:
    """MLS-Exporter(Label, Context, Length) (RFC 9420 §8.5)."""
    secret = cs.derive_secret(exporter_secret, label)
    return cs.expand_with_label(secret, b"exported", cs.hash(context), length)


def external_key_pair(cs: CipherSuite, external_secret: bytes) -> tuple[bytes, bytes]:
    """external_priv, external_pub = KEM.DeriveKeyPair(external_secret) (§8.3)."""
    return cs.derive_key_pair(external_secret)
