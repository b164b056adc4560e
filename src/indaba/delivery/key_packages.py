"""The KeyPackage directory's rules (RFC 9420 §10, §16.8).

Each member uploads several one-time KeyPackages and one last-resort package.  A
claim hands out a one-time package exactly once (it is then deleted); when none is
left the last-resort package is handed out and kept.  The owner is told to top up
when fewer than :data:`TOP_UP_BELOW` one-time packages remain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indaba.delivery.errors import Reason, Rejection
from indaba.delivery.ordering import identity_to_member
from indaba.mls.crypto import SUPPORTED_SUITES, cipher_suite
from indaba.mls.errors import MLSError
from indaba.mls.wire.key_package import KeyPackage
from indaba.mls.wire.message import MLSMessage

TOP_UP_BELOW = 5
MAX_ONE_TIME = 100
MAX_KEY_PACKAGE_BYTES = 16 * 1024


@dataclass(frozen=True)
class CheckedKeyPackage:
    """An uploaded KeyPackage that decodes, is signed by its leaf and names its owner."""

    ref: bytes
    cipher_suite: int
    data: bytes = field(repr=False)


def check_key_package(data: bytes, member_id: str) -> CheckedKeyPackage:
    """Validate an MLSMessage-wrapped KeyPackage uploaded by ``member_id``."""
    if len(data) > MAX_KEY_PACKAGE_BYTES:
        raise Rejection.of(Reason.FRAME_TOO_LARGE, "A KeyPackage is at most 16 KiB.")
    try:
        body = MLSMessage.decode(data).body
    except MLSError as exc:
        raise Rejection.of(Reason.MALFORMED, f"Not an MLS message: {exc.message}.") from exc
    if not isinstance(body, KeyPackage):
        raise Rejection.of(Reason.MALFORMED, "Expected an MLSMessage holding a KeyPackage.")
    if body.cipher_suite not in SUPPORTED_SUITES:
        raise Rejection.of(
            Reason.UNSUPPORTED_CIPHER_SUITE, f"Cipher suite {body.cipher_suite} is not supported."
        )
    if identity_to_member(body.leaf_node.credential.identity) != member_id:
        raise Rejection.of(
            Reason.JOINER_MISMATCH, "A KeyPackage's credential must name its uploader."
        )
    suite = cipher_suite(body.cipher_suite)
    try:
        valid = body.verify_signature(suite)
    except MLSError:
        valid = False
    if not valid:
        raise Rejection.of(Reason.MALFORMED, "The KeyPackage's signature does not verify.")
    return CheckedKeyPackage(body.ref(suite), body.cipher_suite, data)


def room_for(one_time_held: int, uploading: int) -> None:
    """Refuse an upload that would hold more than :data:`MAX_ONE_TIME` one-time packages."""
    if one_time_held + uploading > MAX_ONE_TIME:
        raise Rejection.of(
            Reason.FRAME_TOO_LARGE,
            f"A member holds at most {MAX_ONE_TIME} one-time KeyPackages ({one_time_held} held).",
        )


def needs_top_up(one_time_left: int) -> bool:
    return one_time_left < TOP_UP_BELOW
