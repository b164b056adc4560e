"""Group life cycle among simulated members (RFC 9420 §11-12)."""

from __future__ import annotations

import pytest

from indaba.mls.errors import CryptoError, MLSError, UsageError, ValidationError
from indaba.mls.group import (
    ApplicationMessage,
    Group,
    GroupConfig,
    ProposalReceived,
    StagedCommit,
    join_by_external_commit,
)
from indaba.mls.tree.leaf_node import Credential

from .group_helpers import Cluster

SUITES = [pytest.param(s, id=f"suite{s}") for s in (1, 2, 3)]


@pytest.mark.parametrize("suite_id", SUITES)
def test_add_message_remove(suite_id: int) -> None:
    cl = Cluster.start(suite_id)
    cl.add("m0", "m1", "m2", "m3")
    cl.assert_agree()
    msg = cl.members["m1"].encrypt(b"hello", authenticated_data=b"ad")
    for name in ("m0", "m2", "m3"):
        got = cl.members[name].process(msg)
        assert got == ApplicationMessage(cl.leaf_of("m1"), cl.members[name].epoch, b"hello", b"ad")
    removed = cl.members["m2"]
    cl.remove("m3", "m2")
    assert not removed.active
    cl.assert_agree()
    later = cl.members["m0"].encrypt(b"secret")
    with pytest.raises(UsageError):
        removed.process(later)
    exporter = {g.export_secret(b"frame", b"", 16) for g in cl.members.values()}
    assert len(exporter) == 1


@pytest.mark.parametrize("encrypt_handshake", [False, True], ids=["public", "private"])
def test_proposals_by_reference(encrypt_handshake: bool) -> None:
    cl = Cluster.start(1, config=GroupConfig(encrypt_handshake=encrypt_handshake))
    cl.add("m0", "m1", "m2")
    upd = cl.members["m1"].propose_update()
    rem = cl.members["m2"].propose_remove(cl.leaf_of("m0"))
    for name, g in cl.members.items():
        if name != "m1":
            assert isinstance(g.process(upd), ProposalReceived)
        if name != "m2":
            assert isinstance(g.process(rem), ProposalReceived)
    out = cl.members["m2"].commit()
    assert len(out.staged.proposals) == 2
    cl.deliver_commit("m2", out)
    assert set(cl.members) == {"m1", "m2"}
    cl.assert_agree()


def test_out_of_order_and_replay() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    msgs = [cl.members["m0"].encrypt(f"m{i}".encode()) for i in range(5)]
    reader = cl.members["m1"]
    order = [4, 0, 3, 1, 2]
    for i in order:
        got = reader.process(msgs[i])
        assert isinstance(got, ApplicationMessage) and got.data == f"m{i}".encode()
    with pytest.raises(CryptoError):
        reader.process(msgs[2])


def test_rejected_commit_changes_nothing() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1", "m2")
    out = cl.members["m1"].commit()
    tampered = bytearray(out.commit)
    tampered[-5] ^= 1
    m2 = cl.members["m2"]
    before = (m2.epoch_authenticator, m2.epoch, m2.state.tree.encode())
    with pytest.raises(MLSError):
        m2.process(bytes(tampered))
    assert (m2.epoch_authenticator, m2.epoch, m2.state.tree.encode()) == before
    staged = m2.process(out.commit)
    assert isinstance(staged, StagedCommit)
    # dropping the staged commit is a rejection too: nothing changed
    assert m2.epoch_authenticator == before[0]
    cl.deliver_commit("m1", out)
    cl.assert_agree()


def test_wrong_epoch_and_stale_staged_commit() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    old = cl.members["m0"].commit()
    cl.add("m1", "m2")
    with pytest.raises(ValidationError, match="epoch"):
        cl.members["m2"].process(old.commit)
    with pytest.raises(UsageError, match="another epoch"):
        cl.members["m0"].merge(old.staged)


@pytest.mark.parametrize("suite_id", SUITES)
def test_external_commit(suite_id: int) -> None:
    cl = Cluster.start(suite_id)
    cl.add("m0", "m1")
    info = cl.members["m1"].group_info()
    sig, _ = cl.cs.generate_signature_key_pair()
    joiner, commit = join_by_external_commit(cl.cs, info, Credential.basic(b"ext"), sig)
    for g in cl.members.values():
        staged = g.process(commit)
        assert isinstance(staged, StagedCommit)
        g.merge(staged)
    cl.members["ext"] = joiner
    cl.assert_agree()
    got = cl.members["m0"].process(joiner.encrypt(b"hi"))
    assert isinstance(got, ApplicationMessage) and got.data == b"hi"


def test_every_commit_carries_the_new_epochs_group_info() -> None:
    """Removals and empty commits too: a delivery service hands it to external joiners."""
    cl = Cluster.start(1)
    cl.add("m0", "m1", "m2")
    removal = cl.members["m0"].commit(remove=[cl.leaf_of("m2")])
    cl.deliver_commit("m0", removal)
    assert removal.group_info == cl.members["m0"].group_info()
    empty = cl.members["m1"].commit()
    cl.deliver_commit("m1", empty)
    assert empty.group_info == cl.members["m1"].group_info()
    sig, _ = cl.cs.generate_signature_key_pair()
    joiner, _ = join_by_external_commit(cl.cs, empty.group_info, Credential.basic(b"ext"), sig)
    assert joiner.epoch == cl.members["m0"].epoch + 1


def test_self_update_via_empty_commit_and_psk() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    for g in cl.members.values():
        g.add_external_psk(b"psk-1", b"k" * 32)
    from indaba.mls.psk import PreSharedKeyID

    pid = PreSharedKeyID.external(b"psk-1", b"n" * 32)
    out = cl.members["m1"].commit(psks=[pid])
    cl.deliver_commit("m1", out)
    cl.assert_agree()
    with pytest.raises(ValidationError, match="PSK"):
        cl.members["m0"].commit(psks=[PreSharedKeyID.external(b"unknown", b"n" * 32)])


def test_secrets_not_in_repr() -> None:
    cl = Cluster.start(1)
    g = cl.members["m0"]
    text = repr(g) + repr(g.state) + repr(g.secret_tree)
    assert g.epoch_authenticator.hex() not in text
    assert g.state.secrets.init_secret.hex() not in text


def test_late_application_message_from_previous_epoch() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1", "m2")
    late = cl.members["m1"].encrypt(b"late")
    later = cl.members["m1"].encrypt(b"later")
    cl.deliver_commit("m0", cl.members["m0"].commit())
    reader = cl.members["m2"]
    restored = type(reader).from_bytes(reader.to_bytes())
    for g in (reader, restored):
        got = g.process(late)
        assert isinstance(got, ApplicationMessage) and got.data == b"late"
        assert got.epoch == g.epoch - 1
    cl.deliver_commit("m0", cl.members["m0"].commit())
    with pytest.raises(ValidationError, match="epoch"):
        reader.process(later)  # two epochs back: outside the window


def test_welcome_with_out_of_band_tree() -> None:
    cl = Cluster.start(2, config=GroupConfig(ratchet_tree_in_welcome=False))
    from .group_helpers import identity_bundle

    bundle = identity_bundle(cl.cs, "oob")
    out = cl.members["m0"].commit(add=[bundle.key_package])
    cl.members["m0"].merge(out.staged)
    assert out.welcome is not None
    from indaba.mls.group import join_from_welcome

    with pytest.raises(UsageError, match="out of band"):
        join_from_welcome(out.welcome, bundle)
    tree = cl.members["m0"].state.tree.encode()
    joined = join_from_welcome(out.welcome, bundle, ratchet_tree=tree)
    assert joined.epoch_authenticator == cl.members["m0"].epoch_authenticator


def test_external_sender_removes_a_member() -> None:
    from indaba.mls.crypto import cipher_suite
    from indaba.mls.group import create_group
    from indaba.mls.group.external import (
        create_external_proposal,
        external_senders_extension,
    )
    from indaba.mls.wire.proposals import Remove, Update

    cs = cipher_suite(1)
    ds_priv, ds_pub = cs.generate_signature_key_pair()
    ext = external_senders_extension([(ds_pub, Credential.basic(b"delivery"))])
    sig, _ = cs.generate_signature_key_pair()
    cl = Cluster(cs)
    cl.members["m0"] = create_group(cs, b"g-ext", Credential.basic(b"m0"), sig, extensions=(ext,))
    cl.add("m0", "m1", "m2")
    g0 = cl.members["m0"]
    msg = create_external_proposal(cs, ds_priv, 0, g0.group_id, g0.epoch, Remove(cl.leaf_of("m2")))
    for g in cl.members.values():
        got = g.process(msg)
        assert isinstance(got, ProposalReceived) and got.sender.sender_type.name == "EXTERNAL"
    out = cl.members["m1"].commit()
    cl.deliver_commit("m1", out)
    assert set(cl.members) == {"m0", "m1"}
    cl.assert_agree()
    forged_priv, _ = cs.generate_signature_key_pair()
    forged = create_external_proposal(cs, forged_priv, 0, g0.group_id, g0.epoch, Remove(1))
    with pytest.raises(CryptoError):
        g0.process(forged)
    with pytest.raises(UsageError):
        create_external_proposal(
            cs, ds_priv, 0, g0.group_id, g0.epoch, Update(g0.state.own_leaf_node)
        )


def test_commit_resolves_conflicting_pending_proposals() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1", "m2", "m3")
    m1, m2, m3 = (cl.members[n] for n in ("m1", "m2", "m3"))
    msgs = [
        m1.propose_update(),
        m1.propose_update(),  # the later Update wins
        m2.propose_remove(cl.leaf_of("m1")),  # Remove beats both Updates
        m3.propose_remove(cl.leaf_of("m1")),  # duplicate Remove dropped
    ]
    senders = ["m1", "m1", "m2", "m3"]
    for msg, sender in zip(msgs, senders, strict=True):
        for name, g in cl.members.items():
            if name != sender:
                g.process(msg)
    out = cl.members["m0"].commit(remove=[cl.leaf_of("m3")])
    assert len(out.staged.proposals) == 2
    cl.deliver_commit("m0", out)
    assert set(cl.members) == {"m0", "m2"}
    cl.assert_agree()


def test_errors_carry_reasons_and_fault() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    old = cl.members["m0"].commit()
    cl.deliver_commit("m1", cl.members["m1"].commit())
    with pytest.raises(ValidationError) as info:
        cl.members["m1"].process(old.commit)
    assert info.value.reason == "wrong_epoch" and info.value.peer_fault
    with pytest.raises(UsageError) as usage:
        cl.members["m0"].merge(old.staged)
    assert usage.value.reason == "usage" and not usage.value.peer_fault


def test_removed_member_fails_closed_on_every_verb() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    gone = cl.members["m1"]
    cl.remove("m0", "m1")
    verbs = {
        "encrypt": lambda: gone.encrypt(b"x"),
        "process": lambda: gone.process(b"\x00"),
        "commit": lambda: gone.commit(),
        "propose_update": lambda: gone.propose_update(),
        "propose_remove": lambda: gone.propose_remove(0),
        "export_secret": lambda: gone.export_secret(b"l", b"", 16),
        "group_info": lambda: gone.group_info(),
    }
    for name, call in verbs.items():
        with pytest.raises(UsageError, match="removed"):
            call()
        assert name
    assert Group.from_bytes(gone.to_bytes()).active is False


def test_external_commit_resync_replaces_old_leaf() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1", "m2")
    old_leaf = cl.leaf_of("m1")
    lost = cl.members.pop("m1")
    sig, _ = cl.cs.generate_signature_key_pair()
    joiner, commit = join_by_external_commit(
        cl.cs, cl.members["m0"].group_info(), Credential.basic(b"m1"), sig, remove=old_leaf
    )
    for g in cl.members.values():
        staged = g.process(commit)
        assert isinstance(staged, StagedCommit) and staged.removed == (old_leaf,)
        g.merge(staged)
    cl.members["m1"] = joiner
    cl.assert_agree()
    assert joiner.own_leaf == old_leaf  # the freed leaf is reused
    with pytest.raises(ValidationError, match="epoch"):
        lost.process(joiner.encrypt(b"x"))


def test_new_member_proposes_itself() -> None:
    from indaba.mls.group import create_new_member_proposal, join_from_welcome

    from .group_helpers import identity_bundle

    cl = Cluster.start(1)
    cl.add("m0", "m1")
    bundle = identity_bundle(cl.cs, "newcomer")
    g0 = cl.members["m0"]
    msg = create_new_member_proposal(bundle, g0.group_id, g0.epoch)
    for g in cl.members.values():
        got = g.process(msg)
        assert isinstance(got, ProposalReceived)
        assert got.sender.sender_type.name == "NEW_MEMBER_PROPOSAL"
    out = cl.members["m1"].commit()
    assert out.welcome is not None and out.staged.added
    cl.deliver_commit("m1", out)
    cl.members["newcomer"] = join_from_welcome(out.welcome, bundle)
    cl.assert_agree()
