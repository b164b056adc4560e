"""Hypothesis stateful test: random group evolutions among simulated members.

Invariants after every step: all members agree on epoch and epoch_authenticator; a
removed member's last state cannot read later messages; a rejected (tampered) commit
leaves every member's serialised state byte-identical; state survives save/restore.
"""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from indaba.mls.errors import MLSError
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


class GroupMachine(RuleBasedStateMachine):
    cluster: Cluster

    @initialize(encrypt_handshake=st.booleans())
    def start(self, encrypt_handshake: bool) -> None:
        self.cluster = Cluster.start(1, config=GroupConfig(encrypt_handshake=encrypt_handshake))
        self.counter = 0
        # recipient -> [(sender leaf, ciphertext, plaintext, epoch sent)]
        self.inbox: dict[str, list[tuple[int, bytes, bytes, int]]] = {}
        self.ghosts: list[Group] = []  # states of removed members, frozen before removal

    def _names(self) -> list[str]:
        return sorted(self.cluster.members)

    def _flush(self, data: st.DataObject) -> None:
        """Deliver, in a random order per recipient, every queued application message that
        would fall out of the one-epoch window at the next commit; messages of the
        current epoch stay queued and arrive late, after that commit."""
        for name, queue in self.inbox.items():
            g = self.cluster.members.get(name)
            if g is None:
                continue
            due = [m for m in queue if m[3] < g.epoch]
            for leaf, ciphertext, plaintext, epoch in data.draw(st.permutations(due)):
                got = g.process(ciphertext)
                assert isinstance(got, ApplicationMessage)
                assert (got.data, got.sender, got.epoch) == (plaintext, leaf, epoch)
            self.inbox[name] = [m for m in queue if m[3] >= g.epoch]

    def _new_epoch_messages_unreadable(self) -> None:
        if not self.ghosts:
            return
        sender = self._names()[0]
        ct = self.cluster.members[sender].encrypt(b"after removal")
        # the sender's other members would get it too; nobody relies on it here
        for ghost in self.ghosts:
            try:
                ghost.process(ct)
            except MLSError:
                continue
            raise AssertionError("a removed member read a later message")
        for name in self._names():
            if name != sender:
                self.cluster.members[name].process(ct)

    @precondition(lambda self: len(self.cluster.members) < 7)
    @rule(data=st.data(), count=st.integers(1, 2))
    def add(self, data: st.DataObject, count: int) -> None:
        self._flush(data)
        committer = data.draw(st.sampled_from(self._names()))
        names = []
        for _ in range(count):
            self.counter += 1
            names.append(f"n{self.counter}")
        self.cluster.add(committer, *names)

    @precondition(lambda self: len(self.cluster.members) > 1)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        self._flush(data)
        names = self._names()
        committer = data.draw(st.sampled_from(names))
        victim = data.draw(st.sampled_from([n for n in names if n != committer]))
        victim_state = self.cluster.members[victim]
        self.ghosts.append(Group.from_bytes(victim_state.to_bytes()))
        self.cluster.remove(committer, victim)
        assert not victim_state.active
        self._new_epoch_messages_unreadable()

    @precondition(lambda self: len(self.cluster.members) > 1)
    @rule(data=st.data())
    def update_by_proposal(self, data: st.DataObject) -> None:
        self._flush(data)
        names = self._names()
        proposer = data.draw(st.sampled_from(names))
        committer = data.draw(st.sampled_from([n for n in names if n != proposer]))
        msg = self.cluster.members[proposer].propose_update()
        for name in names:
            if name != proposer:
                assert isinstance(self.cluster.members[name].process(msg), ProposalReceived)
        out = self.cluster.members[committer].commit()
        self.cluster.deliver_commit(committer, out)

    @rule(data=st.data())
    def empty_commit(self, data: st.DataObject) -> None:
        self._flush(data)
        committer = data.draw(st.sampled_from(self._names()))
        self.cluster.deliver_commit(committer, self.cluster.members[committer].commit())

    @rule(data=st.data(), text=st.binary(max_size=40))
    def send(self, data: st.DataObject, text: bytes) -> None:
        sender = data.draw(st.sampled_from(self._names()))
        g = self.cluster.members[sender]
        ct = g.encrypt(text)
        for name in self._names():
            if name != sender:
                self.inbox.setdefault(name, []).append((g.own_leaf, ct, text, g.epoch))

    @precondition(lambda self: len(self.cluster.members) > 1)
    @rule(data=st.data(), position=st.integers(0, 10_000), bit=st.integers(0, 7))
    def rejected_commit(self, data: st.DataObject, position: int, bit: int) -> None:
        self._flush(data)
        names = self._names()
        committer = data.draw(st.sampled_from(names))
        out = self.cluster.members[committer].commit()
        tampered = bytearray(out.commit)
        tampered[position % len(tampered)] ^= 1 << bit
        for name in names:
            if name == committer:
                continue
            g = self.cluster.members[name]
            before = g.to_bytes()
            with contextlib.suppress(MLSError):
                g.process(bytes(tampered))
            # staged or not, an unmerged commit changes nothing
            assert g.to_bytes() == before, "a rejected commit changed the state"

    @precondition(lambda self: len(self.cluster.members) < 7)
    @rule(data=st.data())
    def external_join(self, data: st.DataObject) -> None:
        self._flush(data)
        publisher = data.draw(st.sampled_from(self._names()))
        self.counter += 1
        sig, _ = self.cluster.cs.generate_signature_key_pair()
        joiner, commit = join_by_external_commit(
            self.cluster.cs,
            self.cluster.members[publisher].group_info(),
            Credential.basic(f"x{self.counter}".encode()),
            sig,
            config=self.cluster.config,
        )
        for g in self.cluster.members.values():
            staged = g.process(commit)
            assert isinstance(staged, StagedCommit)
            g.merge(staged)
        self.cluster.members[f"x{self.counter}"] = joiner

    @rule(data=st.data())
    def save_and_restore(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(self._names()))
        g = self.cluster.members[name]
        restored = Group.from_bytes(g.to_bytes(), config=g.config)
        assert restored.to_bytes() == g.to_bytes()
        self.cluster.members[name] = restored

    @invariant()
    def members_agree(self) -> None:
        self.cluster.assert_agree()


GroupMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGroupMachine = GroupMachine.TestCase
