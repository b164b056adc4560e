"""The MLS delivery service's rules, sans-I/O (see docs/delivery.md).

Bytes and facts in, decisions out: nothing here opens a socket, awaits, or reads the
clock.  ``indaba.server.gateway`` and ``indaba.server.delivery_store`` are the thin
loops around it.
"""

from indaba.delivery.errors import Reason, Rejected, Rejection
from indaba.delivery.frames import ClientFrame, FrameKind
from indaba.delivery.ordering import Accepted, GroupLog, LogEntry
from indaba.delivery.routing import GroupInfoView, Routing

__all__ = [
    "Accepted",
    "ClientFrame",
    "FrameKind",
    "GroupInfoView",
    "GroupLog",
    "LogEntry",
    "Reason",
    "Rejected",
    "Rejection",
    "Routing",
]
