"""Admission, removal rights, retention, KeyPackage checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from indaba.delivery.admission import MemberFacts, admission, may_remove
from indaba.delivery.errors import Reason, Rejection
from indaba.delivery.key_packages import (
    MAX_ONE_TIME,
    check_key_package,
    needs_top_up,
    room_for,
)
from indaba.delivery.retention import cutoff, is_expired, validate_retention
from tests.delivery.mls_helpers import MlsMember


def facts(**overrides: object) -> MemberFacts:
    values: dict[str, object] = {
        "member_id": "m",
        "role": "participant",
        "in_session": True,
        "banned": False,
        "removed": False,
    }
    values.update(overrides)
    return MemberFacts(**values)  # type: ignore[arg-type]


def test_admission() -> None:
    assert admission(facts()) is None
    for override in ({"in_session": False}, {"banned": True}, {"removed": True}):
        refused = admission(facts(**override))
        assert refused is not None and refused.reason == Reason.NOT_ADMITTED


def test_who_may_remove_whom() -> None:
    target = facts(member_id="p")
    assert may_remove("p", "participant", None, target) is None  # leaving
    assert may_remove("c", "convener", None, target) is None
    assert may_remove("f", "facilitator", "f", target) is None
    assert may_remove("f", "facilitator", "other", target) is not None
    assert may_remove("f", "facilitator", "f", facts(member_id="g", role="facilitator"))
    assert may_remove("q", "participant", None, target) is not None


def test_retention() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert cutoff(now, 60) == now - timedelta(minutes=1)
    assert is_expired(now - timedelta(seconds=61), now, 60)
    assert not is_expired(now - timedelta(seconds=59), now, 60)
    assert validate_retention(3600) == 3600
    with pytest.raises(ValueError, match="between 60 and"):
        validate_retention(5)


def test_key_packages_are_checked() -> None:
    alice = MlsMember.new("alice")
    checked = check_key_package(alice.key_package(), "alice")
    assert len(checked.ref) == 32 and checked.cipher_suite == 1
    with pytest.raises(Rejection) as caught:
        check_key_package(alice.key_package(), "mallory")
    assert caught.value.rejected.reason == Reason.JOINER_MISMATCH
    tampered = bytearray(alice.key_package())
    tampered[-1] ^= 1
    with pytest.raises(Rejection) as caught:
        check_key_package(bytes(tampered), "alice")
    assert caught.value.rejected.reason == Reason.MALFORMED
    with pytest.raises(Rejection):
        check_key_package(b"\x00\x01\x00\x05", "alice")
    assert needs_top_up(0) and not needs_top_up(10)
    room_for(MAX_ONE_TIME - 1, 1)
    with pytest.raises(Rejection):
        room_for(MAX_ONE_TIME, 1)
