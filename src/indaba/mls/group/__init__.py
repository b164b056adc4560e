"""The group layer of MLS (RFC 9420 §11-12): create, join, propose, commit, process.

Public API::

    from indaba.mls.group import (
        Group, GroupConfig, KeyPackageBundle, create_key_package, create_group,
        join_from_welcome, join_by_external_commit,
        create_external_proposal, external_senders_extension,
        ApplicationMessage, ProposalReceived, StagedCommit, CommitApplied, CommitOutput,
    )
"""

from .creation import KeyPackageBundle, create_group, create_key_package, join_from_welcome
from .external import (
    create_external_proposal,
    create_new_member_proposal,
    external_senders_extension,
    join_by_external_commit,
)
from .group import Group
from .results import (
    ApplicationMessage,
    CommitApplied,
    CommitOutput,
    ProcessResult,
    ProposalReceived,
    StagedCommit,
)
from .state import GroupConfig

__all__ = [
    "ApplicationMessage",
    "CommitApplied",
    "CommitOutput",
    "Group",
    "GroupConfig",
    "KeyPackageBundle",
    "ProcessResult",
    "ProposalReceived",
    "StagedCommit",
    "create_external_proposal",
    "create_group",
    "create_key_package",
    "create_new_member_proposal",
    "external_senders_extension",
    "join_by_external_commit",
    "join_from_welcome",
]
