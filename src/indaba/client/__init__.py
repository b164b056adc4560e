"""The Python chat client on indaba.mls: the same protocol as the browser client."""

from indaba.client.member import (
    ChatMember,
    Joined,
    Message,
    NeedGroupInfo,
    Refused,
    Removed,
    RosterChanged,
    Undecryptable,
)
from indaba.client.session import ChatClosed, ChatSession

__all__ = [
    "ChatClosed",
    "ChatMember",
    "ChatSession",
    "Joined",
    "Message",
    "NeedGroupInfo",
    "Refused",
    "Removed",
    "RosterChanged",
    "Undecryptable",
]
