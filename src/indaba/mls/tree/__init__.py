"""The ratchet tree half of MLS (RFC 9420 §4, §7, §12.1): nodes and their encoding,
the public tree with cached tree hashes, parent hashes, validation, proposals applied to
the tree, and TreeKEM (creating and processing UpdatePaths, private path state)."""

from .leaf_node import (
    Capabilities,
    Credential,
    CredentialType,
    Extension,
    LeafNode,
    LeafNodeSource,
    Lifetime,
)
from .nodes import Node, ParentNode
from .operations import add_leaf, remove_leaf, update_leaf
from .parent_hash import verify_parent_hashes
from .private_state import TreeKEMPrivate
from .ratchet_tree import RatchetTree
from .treekem import (
    ProcessedPath,
    StagedPath,
    decrypt_update_path,
    generate_update_path,
    merge_update_path,
)
from .update_path import HPKECiphertext, UpdatePath, UpdatePathNode
from .validation import validate_tree, verify_leaf_signatures

__all__ = [
    "Capabilities",
    "Credential",
    "CredentialType",
    "Extension",
    "HPKECiphertext",
    "LeafNode",
    "LeafNodeSource",
    "Lifetime",
    "Node",
    "ParentNode",
    "ProcessedPath",
    "RatchetTree",
    "StagedPath",
    "TreeKEMPrivate",
    "UpdatePath",
    "UpdatePathNode",
    "add_leaf",
    "decrypt_update_path",
    "generate_update_path",
    "merge_update_path",
    "remove_leaf",
    "update_leaf",
    "validate_tree",
    "verify_leaf_signatures",
    "verify_parent_hashes",
]
