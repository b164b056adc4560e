"""Simulated members for group tests: a tiny in-memory delivery loop."""

from __future__ import annotations

from dataclasses import dataclass, field

from indaba.mls.crypto import CipherSuite, cipher_suite
from indaba.mls.group import (
    CommitOutput,
    Group,
    GroupConfig,
    KeyPackageBundle,
    StagedCommit,
    create_group,
    create_key_package,
    join_from_welcome,
)
from indaba.mls.tree.leaf_node import Credential


def identity_bundle(cs: CipherSuite, name: str) -> KeyPackageBundle:
    sig_priv, _ = cs.generate_signature_key_pair()
    return create_key_package(cs, Credential.basic(name.encode()), sig_priv)


@dataclass
class Cluster:
    """A group and the members that follow it; ``commit`` delivers to everyone."""

    cs: CipherSuite
    members: dict[str, Group] = field(default_factory=dict)
    config: GroupConfig = field(default_factory=GroupConfig)

    @classmethod
    def start(cls, suite_id: int = 1, *, config: GroupConfig | None = None) -> Cluster:
        cs = cipher_suite(suite_id)
        cl = cls(cs, config=config or GroupConfig())
        sig, _ = cs.generate_signature_key_pair()
        cl.members["m0"] = create_group(
            cs, b"group-0", Credential.basic(b"m0"), sig, config=cl.config
        )
        return cl

    def leaf_of(self, name: str) -> int:
        return self.members[name].own_leaf

    def deliver_commit(
        self, committer: str, out: CommitOutput, new: dict[str, KeyPackageBundle] | None = None
    ) -> None:
        for name, g in list(self.members.items()):
            if name == committer:
                g.merge(out.staged)
                continue
            staged = g.process(out.commit)
            assert isinstance(staged, StagedCommit)
            g.merge(staged)
            if staged.self_removed:
                del self.members[name]
        for name, bundle in (new or {}).items():
            assert out.welcome is not None
            self.members[name] = join_from_welcome(out.welcome, bundle, config=self.config)

    def add(self, committer: str, *names: str) -> CommitOutput:
        bundles = {n: identity_bundle(self.cs, n) for n in names}
        out = self.members[committer].commit(add=[b.key_package for b in bundles.values()])
        self.deliver_commit(committer, out, bundles)
        return out

    def remove(self, committer: str, *names: str) -> CommitOutput:
        leaves = [self.leaf_of(n) for n in names]
        out = self.members[committer].commit(remove=leaves)
        self.deliver_commit(committer, out)
        return out

    def assert_agree(self) -> None:
        auths = {g.epoch_authenticator for g in self.members.values()}
        assert len(auths) == 1, "members disagree on the epoch authenticator"
        epochs = {g.epoch for g in self.members.values()}
        assert len(epochs) == 1
