"""GroupInfo, GroupSecrets and Welcome (RFC 9420 §12.4.3)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..codec import Reader, Writer
from ..crypto import CipherSuite
from ..psk import PreSharedKeyID
from ..tree.leaf_node import Extension, read_extensions, write_extensions
from ..tree.update_path import HPKECiphertext
from .group_context import GroupContext

__all__ = ["EncryptedGroupSecrets", "GroupInfo", "GroupSecrets", "Welcome"]


@dataclass(frozen=True)
class GroupInfo:
    """Signed description of a group for joiners (§12.4.3)."""

    group_context: GroupContext
    extensions: tuple[Extension, ...]
    confirmation_tag: bytes
    signer: int
    signature: bytes = field(default=b"", repr=False)

    def tbs(self) -> bytes:
        """GroupInfoTBS (§12.4.3)."""
        w = Writer()
        self.group_context.write(w)
        write_extensions(w, self.extensions)
        w.opaque_v(self.confirmation_tag).u32(self.signer)
        return w.getvalue()

    def write(self, w: Writer) -> None:
        w.raw(self.tbs()).opaque_v(self.signature)

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> GroupInfo:
        gc = GroupContext.read(r)
        exts = read_extensions(r)
        tag = r.opaque_v()
        signer = r.u32()
        return cls(gc, exts, tag, signer, r.opaque_v())

    @classmethod
    def decode(cls, data: bytes) -> GroupInfo:
        r = Reader(data)
        gi = cls.read(r)
        r.done()
        return gi

    def verify_signature(self, cs: CipherSuite, signer_public_key: bytes) -> bool:
        return cs.verify_with_label(signer_public_key, b"GroupInfoTBS", self.tbs(), self.signature)

    def signed(self, cs: CipherSuite, signature_priv: bytes) -> GroupInfo:
        sig = cs.sign_with_label(signature_priv, b"GroupInfoTBS", self.tbs())
        return GroupInfo(
            self.group_context, self.extensions, self.confirmation_tag, self.signer, sig
        )

    def extension(self, extension_type: int) -> bytes | None:
        for e in self.extensions:
            if e.extension_type == extension_type:
                return e.extension_data
        return None


@dataclass(frozen=True)
class GroupSecrets:
    """What a Welcome carries for one new member (§12.4.3)."""

    joiner_secret: bytes = field(repr=False)
    path_secret: bytes | None = field(default=None, repr=False)
    psks: tuple[PreSharedKeyID, ...] = ()

    def write(self, w: Writer) -> None:
        w.opaque_v(self.joiner_secret)
        w.optional(self.path_secret, Writer.opaque_v)
        w.vector(self.psks, lambda w2, p: p.write(w2))

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> GroupSecrets:
        joiner = r.opaque_v()
        path_secret = r.optional(Reader.opaque_v)
        return cls(joiner, path_secret, tuple(r.vector(PreSharedKeyID.read)))

    @classmethod
    def decode(cls, data: bytes) -> GroupSecrets:
        r = Reader(data)
        gs = cls.read(r)
        r.done()
        return gs


@dataclass(frozen=True)
class EncryptedGroupSecrets:
    new_member: bytes  # KeyPackageRef
    encrypted_group_secrets: HPKECiphertext

    def write(self, w: Writer) -> None:
        w.opaque_v(self.new_member)
        self.encrypted_group_secrets.write(w)

    @classmethod
    def read(cls, r: Reader) -> EncryptedGroupSecrets:
        return cls(r.opaque_v(), HPKECiphertext.read(r))


@dataclass(frozen=True)
class Welcome:
    """Welcome (§12.4.3): per-joiner encrypted GroupSecrets and an encrypted GroupInfo."""

    cipher_suite: int
    secrets: tuple[EncryptedGroupSecrets, ...]
    encrypted_group_info: bytes

    def write(self, w: Writer) -> None:
        w.u16(self.cipher_suite)
        w.vector(self.secrets, lambda w2, s: s.write(w2))
        w.opaque_v(self.encrypted_group_info)

    @classmethod
    def read(cls, r: Reader) -> Welcome:
        suite = r.u16()
        secrets = tuple(r.vector(EncryptedGroupSecrets.read))
        return cls(suite, secrets, r.opaque_v())
