"""Proposals and Commit (RFC 9420 §12.1, §12.4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from ..codec import Reader, Writer
from ..errors import DecodeError
from ..psk import PreSharedKeyID
from ..tree.leaf_node import Extension, LeafNode, read_extensions, write_extensions
from ..tree.update_path import UpdatePath
from .key_package import KeyPackage

__all__ = [
    "Add",
    "Commit",
    "ExternalInit",
    "GroupContextExtensions",
    "PreSharedKey",
    "Proposal",
    "ProposalOrRef",
    "ProposalType",
    "ReInit",
    "Remove",
    "Update",
    "read_proposal",
    "write_proposal",
]


class ProposalType(IntEnum):
    """RFC 9420 §17.4."""

    ADD = 1
    UPDATE = 2
    REMOVE = 3
    PSK = 4
    REINIT = 5
    EXTERNAL_INIT = 6
    GROUP_CONTEXT_EXTENSIONS = 7


@dataclass(frozen=True)
class Add:
    """Add a member by KeyPackage (§12.1.1)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.ADD
    key_package: KeyPackage

    def write(self, w: Writer) -> None:
        self.key_package.write(w)

    @classmethod
    def read(cls, r: Reader) -> Add:
        return cls(KeyPackage.read(r))


@dataclass(frozen=True)
class Update:
    """Replace the sender's leaf (§12.1.2)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.UPDATE
    leaf_node: LeafNode

    def write(self, w: Writer) -> None:
        self.leaf_node.write(w)

    @classmethod
    def read(cls, r: Reader) -> Update:
        return cls(LeafNode.read(r))


@dataclass(frozen=True)
class Remove:
    """Remove the member at a leaf (§12.1.3)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.REMOVE
    removed: int

    def write(self, w: Writer) -> None:
        w.u32(self.removed)

    @classmethod
    def read(cls, r: Reader) -> Remove:
        return cls(r.u32())


@dataclass(frozen=True)
class PreSharedKey:
    """Inject a PSK into the next epoch (§12.1.4)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.PSK
    psk: PreSharedKeyID

    def write(self, w: Writer) -> None:
        self.psk.write(w)

    @classmethod
    def read(cls, r: Reader) -> PreSharedKey:
        return cls(PreSharedKeyID.read(r))


@dataclass(frozen=True)
class ReInit:
    """Re-initialise the group with new parameters (§12.1.5)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.REINIT
    group_id: bytes
    version: int
    cipher_suite: int
    extensions: tuple[Extension, ...] = ()

    def write(self, w: Writer) -> None:
        w.opaque_v(self.group_id).u16(self.version).u16(self.cipher_suite)
        write_extensions(w, self.extensions)

    @classmethod
    def read(cls, r: Reader) -> ReInit:
        return cls(r.opaque_v(), r.u16(), r.u16(), read_extensions(r))


@dataclass(frozen=True)
class ExternalInit:
    """The KEM output from which an external joiner's init_secret follows (§12.1.6)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.EXTERNAL_INIT
    kem_output: bytes

    def write(self, w: Writer) -> None:
        w.opaque_v(self.kem_output)

    @classmethod
    def read(cls, r: Reader) -> ExternalInit:
        return cls(r.opaque_v())


@dataclass(frozen=True)
class GroupContextExtensions:
    """Replace the GroupContext extensions (§12.1.7)."""

    proposal_type: ClassVar[ProposalType] = ProposalType.GROUP_CONTEXT_EXTENSIONS
    extensions: tuple[Extension, ...]

    def write(self, w: Writer) -> None:
        write_extensions(w, self.extensions)

    @classmethod
    def read(cls, r: Reader) -> GroupContextExtensions:
        return cls(read_extensions(r))


Proposal = Add | Update | Remove | PreSharedKey | ReInit | ExternalInit | GroupContextExtensions

_READERS: dict[int, Callable[[Reader], Proposal]] = {
    ProposalType.ADD: Add.read,
    ProposalType.UPDATE: Update.read,
    ProposalType.REMOVE: Remove.read,
    ProposalType.PSK: PreSharedKey.read,
    ProposalType.REINIT: ReInit.read,
    ProposalType.EXTERNAL_INIT: ExternalInit.read,
    ProposalType.GROUP_CONTEXT_EXTENSIONS: GroupContextExtensions.read,
}


def write_proposal(w: Writer, proposal: Proposal) -> None:
    """``struct { ProposalType proposal_type; select (...) {...}; } Proposal``."""
    w.u16(proposal.proposal_type)
    proposal.write(w)


def read_proposal(r: Reader) -> Proposal:
    ptype = r.u16()
    reader = _READERS.get(ptype)
    if reader is None:
        raise DecodeError(f"unknown proposal type {ptype}")
    proposal: Proposal = reader(r)
    return proposal


def encode_proposal(proposal: Proposal) -> bytes:
    w = Writer()
    write_proposal(w, proposal)
    return w.getvalue()


@dataclass(frozen=True)
class ProposalOrRef:
    """A proposal inline, or a ProposalRef to one sent earlier (§12.4)."""

    proposal: Proposal | None = None
    reference: bytes | None = None

    def __post_init__(self) -> None:
        if (self.proposal is None) == (self.reference is None):
            raise ValueError("exactly one of proposal and reference")

    def write(self, w: Writer) -> None:
        if self.proposal is not None:
            w.u8(1)
            write_proposal(w, self.proposal)
        else:
            assert self.reference is not None
            w.u8(2).opaque_v(self.reference)

    @classmethod
    def read(cls, r: Reader) -> ProposalOrRef:
        kind = r.u8()
        if kind == 1:
            return cls(proposal=read_proposal(r))
        if kind == 2:
            return cls(reference=r.opaque_v())
        raise DecodeError(f"unknown ProposalOrRefType {kind}")


@dataclass(frozen=True)
class Commit:
    """Proposals to apply and an optional UpdatePath (§12.4)."""

    proposals: tuple[ProposalOrRef, ...] = ()
    path: UpdatePath | None = None

    def write(self, w: Writer) -> None:
        w.vector(self.proposals, lambda w2, p: p.write(w2))
        w.optional(self.path, lambda w2, p: p.write(w2))

    @classmethod
    def read(cls, r: Reader) -> Commit:
        proposals = tuple(r.vector(ProposalOrRef.read))
        return cls(proposals, r.optional(UpdatePath.read))

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> Commit:
        r = Reader(data)
        c = cls.read(r)
        r.done()
        return c
