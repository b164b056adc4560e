"""KeyPackage (RFC 9420 §10)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..codec import Reader, Writer
from ..crypto import CipherSuite
from ..errors import DecodeError
from ..tree.leaf_node import Extension, LeafNode, read_extensions, write_extensions
from .group_context import PROTOCOL_VERSION

__all__ = ["KeyPackage"]


@dataclass(frozen=True)
class KeyPackage:
    """A signed offer to join groups: init key, leaf node, extensions (§10)."""

    cipher_suite: int
    init_key: bytes
    leaf_node: LeafNode
    extensions: tuple[Extension, ...] = ()
    signature: bytes = field(default=b"", repr=False)
    version: int = PROTOCOL_VERSION

    def _write_tbs(self, w: Writer) -> None:
        w.u16(self.version).u16(self.cipher_suite).opaque_v(self.init_key)
        self.leaf_node.write(w)
        write_extensions(w, self.extensions)

    def tbs(self) -> bytes:
        """KeyPackageTBS (§10)."""
        w = Writer()
        self._write_tbs(w)
        return w.getvalue()

    def write(self, w: Writer) -> None:
        w.raw(self.encode())

    def encode(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_encoded")
        if cached is None:
            w = Writer()
            self._write_tbs(w)
            w.opaque_v(self.signature)
            cached = w.getvalue()
            object.__setattr__(self, "_encoded", cached)
        return cached

    @classmethod
    def read(cls, r: Reader) -> KeyPackage:
        start = r.tell()
        version = r.u16()
        if version != PROTOCOL_VERSION:
            raise DecodeError(f"unsupported KeyPackage version {version}")
        suite = r.u16()
        init_key = r.opaque_v()
        leaf = LeafNode.read(r)
        exts = read_extensions(r)
        kp = cls(suite, init_key, leaf, exts, r.opaque_v(), version)
        object.__setattr__(kp, "_encoded", r.since(start))  # canonical codec: reuse bytes
        return kp

    @classmethod
    def decode(cls, data: bytes) -> KeyPackage:
        r = Reader(data)
        kp = cls.read(r)
        r.done()
        return kp

    def verify_signature(self, cs: CipherSuite) -> bool:
        """VerifyWithLabel(leaf_node.signature_key, "KeyPackageTBS", tbs, signature)."""
        return cs.verify_with_label(
            self.leaf_node.signature_key, b"KeyPackageTBS", self.tbs(), self.signature
        )

    def ref(self, cs: CipherSuite) -> bytes:
        """KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage) (§5.2)."""
        return cs.make_key_package_ref(self.encode())

    @classmethod
    def create(
        cls,
        cs: CipherSuite,
        signature_priv: bytes,
        init_key: bytes,
        leaf_node: LeafNode,
        extensions: tuple[Extension, ...] = (),
    ) -> KeyPackage:
        """A KeyPackage signed with SignWithLabel(., "KeyPackageTBS", .)."""
        unsigned = cls(cs.suite_id, init_key, leaf_node, extensions)
        sig = cs.sign_with_label(signature_priv, b"KeyPackageTBS", unsigned.tbs())
        return cls(cs.suite_id, init_key, leaf_node, extensions, sig)
