"""LeafNode and the structs it carries (RFC 9420 §5.3, §7.2).

A ``LeafNode`` names a member: its HPKE ``encryption_key``, its ``signature_key`` and
``credential``, what it supports (``Capabilities``), where it came from
(``LeafNodeSource``: a KeyPackage with a ``Lifetime``, an Update, or a Commit with a
``parent_hash``) and a signature over ``LeafNodeTBS``.  The TBS binds ``group_id`` and
the leaf index for Update and Commit leaves, not for KeyPackage leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from ..codec import Reader, Writer
from ..crypto import CipherSuite
from ..errors import DecodeError, UsageError
from ..tree_math import LeafIndex

__all__ = [
    "Capabilities",
    "Credential",
    "CredentialType",
    "Extension",
    "LeafNode",
    "LeafNodeSource",
    "Lifetime",
    "read_extensions",
    "write_extensions",
]


class CredentialType(IntEnum):
    """RFC 9420 §17.5."""

    BASIC = 1
    X509 = 2


class LeafNodeSource(IntEnum):
    """RFC 9420 §7.2."""

    KEY_PACKAGE = 1
    UPDATE = 2
    COMMIT = 3


@dataclass(frozen=True)
class Credential:
    """A Credential (§5.3): basic (an identity) or X.509 (a certificate chain)."""

    credential_type: int
    identity: bytes = b""
    certificates: tuple[bytes, ...] = ()

    @classmethod
    def basic(cls, identity: bytes) -> Credential:
        return cls(CredentialType.BASIC, identity=bytes(identity))

    def write(self, w: Writer) -> None:
        w.u16(self.credential_type)
        if self.credential_type == CredentialType.BASIC:
            w.opaque_v(self.identity)
        elif self.credential_type == CredentialType.X509:
            w.vector(self.certificates, Writer.opaque_v)
        else:
            raise UsageError(f"cannot encode credential type {self.credential_type}")

    @classmethod
    def read(cls, r: Reader) -> Credential:
        ctype = r.u16()
        if ctype == CredentialType.BASIC:
            return cls(ctype, identity=r.opaque_v())
        if ctype == CredentialType.X509:
            return cls(ctype, certificates=tuple(r.vector(Reader.opaque_v)))
        raise DecodeError(f"unknown credential type {ctype}")


@dataclass(frozen=True)
class Extension:
    """One Extension (§13): a type and opaque data."""

    extension_type: int
    extension_data: bytes

    def write(self, w: Writer) -> None:
        w.u16(self.extension_type).opaque_v(self.extension_data)

    @classmethod
    def read(cls, r: Reader) -> Extension:
        return cls(r.u16(), r.opaque_v())


def write_extensions(w: Writer, extensions: tuple[Extension, ...]) -> None:
    w.vector(extensions, lambda w2, e: e.write(w2))


def read_extensions(r: Reader) -> tuple[Extension, ...]:
    """``Extension extensions<V>``; a repeated extension type is a DecodeError (§13)."""
    exts = tuple(r.vector(Extension.read))
    if len({e.extension_type for e in exts}) != len(exts):
        raise DecodeError("duplicate extension type")
    return exts


def _u16s(r: Reader) -> tuple[int, ...]:
    return tuple(r.vector(Reader.u16))


@dataclass(frozen=True)
class Capabilities:
    """What a client supports (§7.2)."""

    versions: tuple[int, ...] = (1,)
    cipher_suites: tuple[int, ...] = ()
    extensions: tuple[int, ...] = ()
    proposals: tuple[int, ...] = ()
    credentials: tuple[int, ...] = (CredentialType.BASIC,)

    def write(self, w: Writer) -> None:
        for items in (
            self.versions,
            self.cipher_suites,
            self.extensions,
            self.proposals,
            self.credentials,
        ):
            w.vector(items, Writer.u16)

    @classmethod
    def read(cls, r: Reader) -> Capabilities:
        return cls(_u16s(r), _u16s(r), _u16s(r), _u16s(r), _u16s(r))


@dataclass(frozen=True)
class Lifetime:
    """Validity window of a KeyPackage leaf, seconds since the epoch (§7.2)."""

    not_before: int
    not_after: int

    def write(self, w: Writer) -> None:
        w.u64(self.not_before).u64(self.not_after)

    @classmethod
    def read(cls, r: Reader) -> Lifetime:
        return cls(r.u64(), r.u64())


@dataclass(frozen=True)
class LeafNode:
    """A member's leaf (§7.2).  ``lifetime`` only for KeyPackage leaves, ``parent_hash``
    only for Commit leaves.  Build signed ones with :meth:`create`."""

    encryption_key: bytes
    signature_key: bytes
    credential: Credential
    capabilities: Capabilities
    leaf_node_source: LeafNodeSource
    lifetime: Lifetime | None = None
    parent_hash: bytes = b""
    extensions: tuple[Extension, ...] = ()
    signature: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        if (self.lifetime is None) == (self.leaf_node_source == LeafNodeSource.KEY_PACKAGE):
            raise UsageError("lifetime is present exactly for key_package leaves")
        if self.parent_hash and self.leaf_node_source != LeafNodeSource.COMMIT:
            raise UsageError("parent_hash is present only for commit leaves")

    # --- encoding -------------------------------------------------------------
    def _write_content(self, w: Writer) -> None:
        w.opaque_v(self.encryption_key).opaque_v(self.signature_key)
        self.credential.write(w)
        self.capabilities.write(w)
        w.u8(self.leaf_node_source)
        if self.leaf_node_source == LeafNodeSource.KEY_PACKAGE:
            assert self.lifetime is not None
            self.lifetime.write(w)
        elif self.leaf_node_source == LeafNodeSource.COMMIT:
            w.opaque_v(self.parent_hash)
        write_extensions(w, self.extensions)

    def write(self, w: Writer) -> None:
        w.raw(self.encode())

    def encode(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_encoded")
        if cached is None:
            w = Writer()
            self._write_content(w)
            w.opaque_v(self.signature)
            cached = w.getvalue()
            object.__setattr__(self, "_encoded", cached)
        return cached

    @classmethod
    def read(cls, r: Reader) -> LeafNode:
        encryption_key = r.opaque_v()
        signature_key = r.opaque_v()
        credential = Credential.read(r)
        capabilities = Capabilities.read(r)
        source_id = r.u8()
        try:
            source = LeafNodeSource(source_id)
        except ValueError as exc:
            raise DecodeError(f"unknown leaf_node_source {source_id}") from exc
        lifetime = Lifetime.read(r) if source == LeafNodeSource.KEY_PACKAGE else None
        parent_hash = r.opaque_v() if source == LeafNodeSource.COMMIT else b""
        extensions = read_extensions(r)
        signature = r.opaque_v()
        return cls(
            encryption_key,
            signature_key,
            credential,
            capabilities,
            source,
            lifetime,
            parent_hash,
            extensions,
            signature,
        )

    @classmethod
    def decode(cls, data: bytes) -> LeafNode:
        r = Reader(data)
        node = cls.read(r)
        r.done()
        return node

    # --- signature (§7.2) -------------------------------------------------------
    def tbs(self, group_id: bytes = b"", leaf_index: LeafIndex | None = None) -> bytes:
        """LeafNodeTBS: the content, plus group_id and leaf_index unless from a KeyPackage."""
        w = Writer()
        self._write_content(w)
        if self.leaf_node_source != LeafNodeSource.KEY_PACKAGE:
            if leaf_index is None:
                raise UsageError("update and commit leaves are signed with their leaf index")
            w.opaque_v(group_id).u32(leaf_index)
        return w.getvalue()

    def verify_signature(
        self, suite: CipherSuite, group_id: bytes = b"", leaf_index: LeafIndex | None = None
    ) -> bool:
        """VerifyWithLabel(signature_key, "LeafNodeTBS", LeafNodeTBS, signature)."""
        tbs = self.tbs(group_id, leaf_index)
        return suite.verify_with_label(self.signature_key, b"LeafNodeTBS", tbs, self.signature)

    @classmethod
    def create(
        cls,
        suite: CipherSuite,
        signature_priv: bytes,
        *,
        encryption_key: bytes,
        signature_key: bytes,
        credential: Credential,
        capabilities: Capabilities,
        leaf_node_source: LeafNodeSource,
        lifetime: Lifetime | None = None,
        parent_hash: bytes = b"",
        extensions: tuple[Extension, ...] = (),
        group_id: bytes = b"",
        leaf_index: LeafIndex | None = None,
    ) -> LeafNode:
        """A LeafNode signed with ``signature_priv`` (SignWithLabel "LeafNodeTBS")."""
        unsigned = cls(
            encryption_key,
            signature_key,
            credential,
            capabilities,
            leaf_node_source,
            lifetime,
            parent_hash,
            extensions,
        )
        sig = suite.sign_with_label(
            signature_priv, b"LeafNodeTBS", unsigned.tbs(group_id, leaf_index)
        )
        return cls(
            encryption_key,
            signature_key,
            credential,
            capabilities,
            leaf_node_source,
            lifetime,
            parent_hash,
            extensions,
            sig,
        )
