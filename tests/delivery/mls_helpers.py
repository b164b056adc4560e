"""Real MLS members (indaba.mls) whose credentials name Indaba member ids."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from indaba.mls.crypto import cipher_suite
from indaba.mls.group import Group, create_group, join_by_external_commit
from indaba.mls.group.creation import create_key_package
from indaba.mls.tree.leaf_node import Credential
from indaba.mls.wire.framing import ContentType, PrivateMessage
from indaba.mls.wire.message import MLSMessage
from indaba.mls.wire.welcome import GroupInfo

CS = cipher_suite(1)


@dataclass
class MlsMember:
    member_id: str
    signature_priv: bytes = field(repr=False)
    group: Group | None = None

    @classmethod
    def new(cls, member_id: str) -> MlsMember:
        priv, _ = CS.generate_signature_key_pair()
        return cls(member_id, priv)

    @property
    def credential(self) -> Credential:
        return Credential.basic(self.member_id.encode())

    def create(self, session_id: str) -> bytes:
        """Create the session's group; returns its epoch-0 GroupInfo."""
        self.group = create_group(CS, session_id.encode(), self.credential, self.signature_priv)
        return self.group.group_info()

    def external_join(self, group_info: bytes) -> tuple[Group, bytes, bytes]:
        """(joined group, commit, GroupInfo of the new epoch); adopt the group once accepted."""
        group, commit = join_by_external_commit(
            CS, group_info, self.credential, self.signature_priv
        )
        return group, commit, group.group_info()

    def key_package(self) -> bytes:
        return create_key_package(CS, self.credential, self.signature_priv).to_message()


def private_message(
    group_id: bytes,
    epoch: int,
    payload: bytes,
    content_type: ContentType = ContentType.APPLICATION,
) -> bytes:
    """A PrivateMessage with opaque ciphertext: what the service sees of real traffic."""
    return MLSMessage(
        PrivateMessage(group_id, epoch, content_type, b"", b"\x00" * 16, payload)
    ).encode()


def group_info_at(template: bytes, epoch: int, group_id: bytes | None = None) -> bytes:
    """A copy of a real GroupInfo claiming another epoch (the service checks no signature)."""
    info = MLSMessage.decode(template).body
    assert isinstance(info, GroupInfo)
    context = replace(
        info.group_context,
        epoch=epoch,
        group_id=info.group_context.group_id if group_id is None else group_id,
    )
    return MLSMessage(replace(info, group_context=context)).encode()


def roster_group_info(session_id: str, member_ids: list[str]) -> bytes:
    """A real GroupInfo whose tree holds exactly ``member_ids`` (built by external joins)."""
    first, *rest = [MlsMember.new(m) for m in member_ids]
    info = first.create(session_id)
    for member in rest:
        _, _, info = member.external_join(info)
    return info
