"""The state of one member in one epoch, and the group configuration.

An :class:`EpochState` is immutable: a commit builds a new one (on a copy of the tree)
and ``Group.merge`` swaps it in.  The mutable parts of a member -- the secret tree's
hash ratchets and the proposals received in this epoch -- live on ``Group`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from ..crypto import CipherSuite
from ..key_schedule import EpochSecrets
from ..tree.leaf_node import Extension, LeafNode
from ..tree.private_state import TreeKEMPrivate
from ..tree.ratchet_tree import RatchetTree
from ..tree_math import LeafIndex
from ..wire.group_context import GroupContext

__all__ = [
    "EXT_APPLICATION_ID",
    "EXT_EXTERNAL_PUB",
    "EXT_EXTERNAL_SENDERS",
    "EXT_RATCHET_TREE",
    "EXT_REQUIRED_CAPABILITIES",
    "EpochState",
    "GroupConfig",
    "find_extension",
]

EXT_APPLICATION_ID = 1
EXT_RATCHET_TREE = 2
EXT_REQUIRED_CAPABILITIES = 3
EXT_EXTERNAL_PUB = 4
EXT_EXTERNAL_SENDERS = 5
DEFAULT_EXTENSIONS = frozenset(range(1, 6))


def find_extension(extensions: tuple[Extension, ...], extension_type: int) -> bytes | None:
    for e in extensions:
        if e.extension_type == extension_type:
            return e.extension_data
    return None


@dataclass(frozen=True)
class GroupConfig:
    """Local policy of a member (not part of the protocol state)."""

    out_of_order_tolerance: int = 32
    maximum_forward_distance: int = 1000
    #: pad PrivateMessage plaintexts to a multiple of this many bytes (0: no padding)
    padding_block: int = 32
    #: send proposals and commits as PrivateMessage (ts-mls default) or PublicMessage
    encrypt_handshake: bool = False
    #: attach the ratchet_tree extension to Welcome GroupInfo
    ratchet_tree_in_welcome: bool = True
    #: attach external_pub to GroupInfo so others can join by external commit
    external_pub_in_group_info: bool = True
    #: how many past epochs' resumption PSKs to keep
    resumption_psk_window: int = 4
    #: how many past epochs may still deliver (late) application messages; each kept
    #: epoch keeps its message keys, which delays forward secrecy by that many epochs
    max_past_epochs: int = 1
    #: proposals cached per epoch before further ones are refused (memory bound)
    max_pending_proposals: int = 1000


@dataclass(frozen=True, eq=False)
class EpochState:
    """Everything a member knows about one epoch (RFC 9420 §8, §7)."""

    cs: CipherSuite
    context: GroupContext
    tree: RatchetTree
    private: TreeKEMPrivate
    own_leaf: LeafIndex
    signature_priv: bytes = field(repr=False)
    secrets: EpochSecrets = field(repr=False)
    interim_transcript_hash: bytes = field(repr=False)

    @cached_property
    def context_bytes(self) -> bytes:
        return self.context.encode()

    @property
    def epoch(self) -> int:
        return self.context.epoch

    @property
    def group_id(self) -> bytes:
        return self.context.group_id

    @property
    def own_leaf_node(self) -> LeafNode:
        leaf = self.tree.leaf(self.own_leaf)
        assert leaf is not None
        return leaf

    def as_past(self) -> EpochState:
        """What a past epoch keeps to read late application messages: no TreeKEM keys,
        no secrets but ``sender_data_secret``."""
        empty = replace(
            self.secrets,
            **{name: b"" for name in EpochSecrets.FIELDS if name != "sender_data_secret"},
        )
        return replace(
            self,
            private=TreeKEMPrivate(self.cs, self.own_leaf, {}),
            signature_priv=b"",
            secrets=empty,
            interim_transcript_hash=b"",
        )

    def __repr__(self) -> str:
        return (
            f"EpochState(suite={self.cs.suite_id}, epoch={self.epoch}, "
            f"leaf={self.own_leaf}, members={sum(1 for _ in self.tree.leaves())})"
        )
