"""The secret tree and per-sender hash ratchets of RFC 9420 §9.

Theory of operation
-------------------
``encryption_secret`` sits at the root of a left-balanced binary tree with one leaf
per member.  Each child secret is ``ExpandWithLabel(parent, "tree", "left"|"right")``;
a leaf secret seeds two hash ratchets, one for handshake and one for application
messages::

              encryption_secret (root)
               /                \\
          "left"              "right"
           /    \\               ...
        leaf 0  leaf 1
          |
          +-- "handshake" --> ratchet: secret[0] -> secret[1] -> ...
          +-- "application" -> ratchet:  each secret[j] yields key[j], nonce[j]

Secrets are derived lazily along the path from the root and deleted as soon as they
have been used, so a compromise of the current state does not reveal earlier keys
(forward secrecy, §9.2).  A receiver may jump ahead at most
``maximum_forward_distance`` generations and keeps at most ``out_of_order_tolerance``
skipped keys per ratchet for late messages; a key is deleted once used.

The sender-data key and nonce (§6.3.2) come from ``sender_data_secret`` and a
ciphertext sample, see :func:`sender_data_key_nonce`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .codec import Reader, Writer
from .crypto import CipherSuite
from .errors import CryptoError, DecodeError, UsageError, ValidationError

__all__ = [
    "RatchetKind",
    "RatchetSecret",
    "SecretTree",
    "sender_data_key_nonce",
]


class RatchetKind(IntEnum):
    HANDSHAKE = 0
    APPLICATION = 1


_LABELS = {RatchetKind.HANDSHAKE: b"handshake", RatchetKind.APPLICATION: b"application"}


def sender_data_key_nonce(
    cs: CipherSuite, sender_data_secret: bytes, ciphertext: bytes
) -> tuple[bytes, bytes]:
    """sender_data key and nonce from the first Nh bytes of ciphertext (§6.3.2)."""
    sample = ciphertext[: cs.Nh]
    key = cs.expand_with_label(sender_data_secret, b"key", sample, cs.Nk)
    nonce = cs.expand_with_label(sender_data_secret, b"nonce", sample, cs.Nn)
    return key, nonce


@dataclass(frozen=True)
class RatchetSecret:
    """An AEAD key and nonce for one generation of one ratchet. Never printed."""

    generation: int
    key: bytes = field(repr=False)
    nonce: bytes = field(repr=False)


class _HashRatchet:
    __slots__ = ("cs", "generation", "secret", "skipped")

    def __init__(self, cs: CipherSuite, secret: bytes) -> None:
        self.cs = cs
        self.secret = secret
        self.generation = 0
        self.skipped: dict[int, RatchetSecret] = {}

    def _current(self) -> RatchetSecret:
        cs, g = self.cs, self.generation
        return RatchetSecret(
            g,
            cs.derive_tree_secret(self.secret, b"key", g, cs.Nk),
            cs.derive_tree_secret(self.secret, b"nonce", g, cs.Nn),
        )

    def _advance(self) -> None:
        g = self.generation
        self.secret = self.cs.derive_tree_secret(self.secret, b"secret", g, self.cs.Nh)
        self.generation = g + 1

    def next(self) -> RatchetSecret:
        out = self._current()
        self._advance()
        return out

    def get(self, generation: int, tolerance: int, max_forward: int) -> RatchetSecret:
        if generation < self.generation:
            found = self.skipped.pop(generation, None)
            if found is None:
                raise CryptoError(f"key for generation {generation} already used or expired")
            return found
        if generation - self.generation > max_forward:
            raise ValidationError(f"generation {generation} too far ahead of {self.generation}")
        while self.generation < generation:
            if tolerance > 0:
                self.skipped[self.generation] = self._current()
            self._advance()
        while len(self.skipped) > tolerance:
            del self.skipped[min(self.skipped)]
        return self.next()


def _level(x: int) -> int:
    k = 0
    while (x >> k) & 1:
        k += 1
    return k


class SecretTree:
    """Lazily expanded secret tree for ``n_leaves`` members (RFC 9420 §9)."""

    def __init__(
        self,
        cs: CipherSuite,
        encryption_secret: bytes,
        n_leaves: int,
        *,
        out_of_order_tolerance: int = 32,
        maximum_forward_distance: int = 1000,
    ) -> None:
        if n_leaves < 1:
            raise UsageError("a secret tree needs at least one leaf")
        self.cs = cs
        self.n_leaves = n_leaves
        self.out_of_order_tolerance = out_of_order_tolerance
        self.maximum_forward_distance = maximum_forward_distance
        width = 2 * n_leaves - 1
        self._root = (1 << (width.bit_length() - 1)) - 1
        self._nodes: dict[int, bytes] = {self._root: encryption_secret}
        self._ratchets: dict[tuple[int, RatchetKind], _HashRatchet] = {}

    def copy(self) -> SecretTree:
        """An independent copy (for trial decryption that may be rolled back)."""
        other = SecretTree.__new__(SecretTree)
        other.cs = self.cs
        other.n_leaves = self.n_leaves
        other.out_of_order_tolerance = self.out_of_order_tolerance
        other.maximum_forward_distance = self.maximum_forward_distance
        other._root = self._root
        other._nodes = dict(self._nodes)
        other._ratchets = {}
        for key, r in self._ratchets.items():
            c = _HashRatchet(r.cs, r.secret)
            c.generation = r.generation
            c.skipped = dict(r.skipped)
            other._ratchets[key] = c
        return other

    def encode(self) -> bytes:
        """The ratchet state for storage (secrets included: store it encrypted)."""
        w = Writer().u32(self.n_leaves).u32(self.out_of_order_tolerance)
        w.u32(self.maximum_forward_distance)
        w.vector(sorted(self._nodes.items()), lambda w2, kv: w2.u32(kv[0]).opaque_v(kv[1]))

        def ratchet(w2: Writer, item: tuple[tuple[int, RatchetKind], _HashRatchet]) -> None:
            (leaf, kind), r = item
            w2.u32(leaf).u8(kind).u32(r.generation).opaque_v(r.secret)
            w2.vector(
                sorted(r.skipped.items()),
                lambda w3, kv: w3.u32(kv[0]).opaque_v(kv[1].key).opaque_v(kv[1].nonce),
            )

        w.vector(sorted(self._ratchets.items()), ratchet)
        return w.getvalue()

    @classmethod
    def decode(cls, cs: CipherSuite, data: bytes) -> SecretTree:
        r = Reader(data)
        n_leaves = r.u32()
        if n_leaves < 1:
            raise DecodeError("secret tree without leaves")
        tree = cls(
            cs, b"", n_leaves, out_of_order_tolerance=r.u32(), maximum_forward_distance=r.u32()
        )
        tree._nodes = dict(r.vector(lambda r2: (r2.u32(), r2.opaque_v())))

        def ratchet(r2: Reader) -> tuple[tuple[int, RatchetKind], _HashRatchet]:
            leaf, kind_id, generation, secret = r2.u32(), r2.u8(), r2.u32(), r2.opaque_v()
            if kind_id > 1:
                raise DecodeError(f"unknown ratchet kind {kind_id}")
            h = _HashRatchet(cs, secret)
            h.generation = generation
            for g, key, nonce in r2.vector(lambda r3: (r3.u32(), r3.opaque_v(), r3.opaque_v())):
                h.skipped[g] = RatchetSecret(g, key, nonce)
            return (leaf, RatchetKind(kind_id)), h

        tree._ratchets = dict(r.vector(ratchet))
        r.done()
        return tree

    def __repr__(self) -> str:
        return f"SecretTree(n_leaves={self.n_leaves}, <secrets redacted>)"

    def _leaf_secret(self, leaf: int) -> bytes:
        target = 2 * leaf
        if target in self._nodes:
            return self._nodes.pop(target)
        # Walk down from the nearest stored ancestor on the path to the leaf.
        x = self._root
        path = [x]
        while x != target:
            k = _level(x)
            x = x ^ (1 << (k - 1)) if target < x else x ^ (3 << (k - 1))
            path.append(x)
        start = max(i for i, n in enumerate(path) if n in self._nodes)
        node = path[start]
        secret = self._nodes.pop(node)
        for child in path[start + 1 :]:
            k = _level(node)
            left, right = node ^ (1 << (k - 1)), node ^ (3 << (k - 1))
            ls = self.cs.expand_with_label(secret, b"tree", b"left", self.cs.Nh)
            rs = self.cs.expand_with_label(secret, b"tree", b"right", self.cs.Nh)
            if child == left:
                self._nodes[right] = rs
                secret = ls
            else:
                self._nodes[left] = ls
                secret = rs
            node = child
        return secret

    def _ratchet(self, leaf: int, kind: RatchetKind) -> _HashRatchet:
        if not 0 <= leaf < self.n_leaves:
            raise ValidationError(f"leaf {leaf} outside a tree of {self.n_leaves} leaves")
        r = self._ratchets.get((leaf, kind))
        if r is None:
            leaf_secret = self._leaf_secret(leaf)
            for k in RatchetKind:
                secret = self.cs.expand_with_label(leaf_secret, _LABELS[k], b"", self.cs.Nh)
                self._ratchets[(leaf, k)] = _HashRatchet(self.cs, secret)
            r = self._ratchets[(leaf, kind)]
        return r

    def next_key(self, leaf: int, kind: RatchetKind) -> RatchetSecret:
        """Key and nonce for our own next message from ``leaf`` (encryption)."""
        return self._ratchet(leaf, kind).next()

    def key_for(self, leaf: int, kind: RatchetKind, generation: int) -> RatchetSecret:
        """Key and nonce for a received message at ``generation``; consumes it."""
        return self._ratchet(leaf, kind).get(
            generation, self.out_of_order_tolerance, self.maximum_forward_distance
        )
