"""The ts-mls peer on its own (two ts-mls clients relayed through Python), and the
ratchet trees it builds checked by indaba.mls.tree: same tree hash, valid parent
hashes and signatures, after adds, removes, re-adds and updates (suites 1, 2, 3)."""

from __future__ import annotations

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.tree import RatchetTree, validate_tree

from .ts_mls import TsMlsError, TsMlsPeer

SUITES = [pytest.param(s, id=f"suite{s}") for s in (1, 2, 3)]


def _check_tree(suite: int, group_id: bytes, state: dict[str, object]) -> RatchetTree:
    tree = RatchetTree.decode(cipher_suite(suite), bytes.fromhex(str(state["ratchet_tree"])))
    assert tree.tree_hash().hex() == state["tree_hash"], "tree hash differs from ts-mls"
    validate_tree(tree, group_id)
    assert tree.encode().hex() == state["ratchet_tree"], "ratchet tree does not re-encode"
    return tree


@pytest.mark.parametrize("suite", SUITES)
def test_two_ts_mls_clients_talk(peer: TsMlsPeer, suite: int) -> None:
    a, b = f"alice{suite}", f"bob{suite}"
    group_id = b"interop-peer-%d" % suite
    peer.call("create_group", client=a, suite=suite, group_id=group_id.hex())
    kp = peer.call("key_package", client=b, suite=suite)["key_package"]
    added = peer.call("add", client=a, key_packages=[kp])
    joined = peer.call("join", client=b, welcome=added["welcome"])
    assert joined["epoch_authenticator"] == added["epoch_authenticator"]

    msg = peer.call("send", client=a, data=b"hello bob".hex())["message"]
    got = peer.call("process", client=b, message=msg)
    assert got["kind"] == "applicationMessage" and bytes.fromhex(got["message"]) == b"hello bob"

    update = peer.call("update", client=b)
    after = peer.call("process", client=a, message=update["commit"])
    assert after["epoch_authenticator"] == update["epoch_authenticator"]
    exports = [
        peer.call("export", client=c, label="indaba test", context="00", length=32)["secret"]
        for c in (a, b)
    ]
    assert exports[0] == exports[1]
    _check_tree(suite, group_id, peer.call("state", client=a))
    with pytest.raises(TsMlsError):
        peer.call("process", client=a, message=msg)  # an old epoch's message
    for c in (a, b):
        peer.call("forget", client=c)


@pytest.mark.parametrize("suite", SUITES)
def test_ts_mls_trees_validate_in_python(peer: TsMlsPeer, suite: int) -> None:
    """Grow, shrink (with truncation) and regrow a group; every tree checks out."""
    owner = f"owner{suite}"
    group_id = b"interop-trees-%d" % suite
    peer.call("create_group", client=owner, suite=suite, group_id=group_id.hex())
    kps = [
        peer.call("key_package", client=f"m{suite}-{i}", suite=suite)["key_package"]
        for i in range(6)
    ]
    state = peer.call("add", client=owner, key_packages=kps)
    tree = _check_tree(suite, group_id, state)
    assert tree.n_leaves == 8
    state = peer.call("update", client=owner)  # fills the owner's path
    _check_tree(suite, group_id, state)
    state = peer.call("remove", client=owner, leaves=[6, 2])
    tree = _check_tree(suite, group_id, state)
    assert tree.leaf(2) is None and tree.n_leaves == 8
    state = peer.call("remove", client=owner, leaves=[5, 4, 3])
    tree = _check_tree(suite, group_id, state)
    assert tree.n_leaves == 2, "trailing blank half truncated"
    more = [
        peer.call("key_package", client=f"n{suite}-{i}", suite=suite)["key_package"]
        for i in range(3)
    ]
    state = peer.call("add", client=owner, key_packages=more)
    tree = _check_tree(suite, group_id, state)
    assert [int(i) for i, _ in tree.leaves()] == [0, 1, 2, 3, 4]
    peer.call("forget", client=owner)
