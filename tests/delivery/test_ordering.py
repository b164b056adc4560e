"""The ordering rules, byte by byte: one log, one commit per epoch, clear refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from indaba.delivery.errors import Reason, Rejected
from indaba.delivery.frames import ClientFrame, FrameKind
from indaba.delivery.ordering import Accepted, GroupLog, create_group
from indaba.mls.wire.framing import ContentType
from tests.delivery.mls_helpers import (
    MlsMember,
    group_info_at,
    private_message,
    roster_group_info,
)

SESSION = "s" * 32
GID = SESSION.encode()
A, B, C = "a" * 32, "b" * 32, "c" * 32
NOW = datetime(2030, 6, 1, tzinfo=UTC)
counter = itertools.count()


@cache
def two_member_info() -> bytes:
    return roster_group_info(SESSION, [A, B])


def new_log() -> GroupLog:
    founder = MlsMember.new(A)
    log = create_group(
        SESSION, ClientFrame(FrameKind.CREATE, 0, b"", founder.create(SESSION)), A, {A, B}
    )
    assert isinstance(log, GroupLog)
    log.roster = frozenset({A, B})
    return log


def app(epoch: int, payload: bytes | None = None) -> ClientFrame:
    data = payload if payload is not None else f"ciphertext {next(counter)}".encode()
    return ClientFrame(FrameKind.MESSAGE, next(counter) % 1000, private_message(GID, epoch, data))


def commit(epoch: int, info: bytes | None = None) -> ClientFrame:
    message = private_message(GID, epoch, f"commit {next(counter)}".encode(), ContentType.COMMIT)
    return ClientFrame(
        FrameKind.COMMIT,
        next(counter) % 1000,
        message,
        info or group_info_at(two_member_info(), epoch + 1),
    )


def offer(
    log: GroupLog, frame: ClientFrame, sender: str = A, seen: set[bytes] | None = None
) -> Accepted | Rejected:
    decision = log.offer(frame, sender, {A, B}, seen if seen is not None else set(), NOW)
    if isinstance(decision, Accepted):
        log.apply(decision)
        if seen is not None:
            seen.add(decision.entry.digest)
    return decision


def test_messages_get_consecutive_sequence_numbers() -> None:
    log = new_log()
    decisions = [offer(log, app(0)) for _ in range(3)]
    assert [d.entry.seq for d in decisions if isinstance(d, Accepted)] == [1, 2, 3]
    assert log.head == 3 and log.epoch == 0


def test_exactly_one_commit_per_epoch_and_the_loser_is_told_where_to_catch_up() -> None:
    log = new_log()
    offer(log, app(0))
    first, second = commit(0), commit(0)
    won = offer(log, first)
    assert isinstance(won, Accepted) and won.entry.seq == 2 and won.next_epoch == 1
    lost = offer(log, second, sender=B)
    assert lost == Rejected(
        Reason.STALE_EPOCH,
        "The group is at epoch 1; process the log, then retry.",
        epoch=1,
        catch_up_from=2,
    )
    assert log.epoch == 1 and log.head == 2  # the group went on untouched
    assert isinstance(offer(log, app(1)), Accepted)


def test_stale_and_future_application_messages_are_refused() -> None:
    log = new_log()
    offer(log, commit(0))
    stale = offer(log, app(0))
    assert isinstance(stale, Rejected) and stale.reason == Reason.STALE_EPOCH
    assert stale.catch_up_from == 1
    future = offer(log, app(5))
    assert isinstance(future, Rejected) and future.reason == Reason.FUTURE_EPOCH
    assert future.epoch == 1


def test_replays_are_refused() -> None:
    log, seen = new_log(), set[bytes]()
    frame = app(0, b"same bytes")
    assert isinstance(offer(log, frame, seen=seen), Accepted)
    again = offer(log, frame, seen=seen)
    assert isinstance(again, Rejected) and again.reason == Reason.REPLAY
    assert log.head == 1


def test_commit_needs_the_next_epochs_group_info() -> None:
    log = new_log()
    bare = ClientFrame(FrameKind.MESSAGE, 1, private_message(GID, 0, b"c", ContentType.COMMIT))
    assert offer(log, bare).reason == Reason.GROUP_INFO_REQUIRED  # type: ignore[union-attr]
    wrong_epoch = commit(0, group_info_at(two_member_info(), 7))
    assert offer(log, wrong_epoch).reason == Reason.GROUP_INFO_MISMATCH  # type: ignore[union-attr]
    assert log.head == 0


def test_a_commit_cannot_bring_in_someone_not_admitted() -> None:
    log = new_log()
    outsider = commit(0, group_info_at(roster_group_info(SESSION, [A, B, C]), 1))
    refused = offer(log, outsider)
    assert isinstance(refused, Rejected) and refused.reason == Reason.NOT_ADMITTED
    assert "1 new key holder" in refused.message


def test_only_roster_members_send_and_joiners_commit_as_themselves() -> None:
    log = new_log()
    refused = offer(log, app(0), sender=C)
    assert isinstance(refused, Rejected) and refused.reason == Reason.NOT_IN_GROUP
    log.epoch = 1  # the real two-member GroupInfo is at epoch 1
    carol = MlsMember.new(C)
    _, external, info = carol.external_join(two_member_info())
    frame = ClientFrame(FrameKind.COMMIT, 3, external, info)
    assert offer(log, frame, sender=B).reason == Reason.JOINER_MISMATCH  # type: ignore[union-attr]
    assert log.offer(frame, C, {A, B}, set(), NOW).reason == Reason.NOT_ADMITTED  # type: ignore[union-attr]
    accepted = log.offer(frame, C, {A, B, C}, set(), NOW)
    assert isinstance(accepted, Accepted) and accepted.roster == {A, B, C}


def test_wrong_group_and_wire_formats() -> None:
    log = new_log()
    other = ClientFrame(FrameKind.MESSAGE, 1, private_message(b"other", 0, b"x"))
    assert offer(log, other).reason == Reason.WRONG_GROUP  # type: ignore[union-attr]
    key_package = ClientFrame(FrameKind.MESSAGE, 1, MlsMember.new(A).key_package())
    assert offer(log, key_package).reason == Reason.WIRE_FORMAT_NOT_ALLOWED  # type: ignore[union-attr]
    assert offer(log, ClientFrame(FrameKind.MESSAGE, 1, b"\x00\x01junk")).reason == Reason.MALFORMED  # type: ignore[union-attr]
    assert log.head == 0


def test_creation_rules() -> None:
    creator = MlsMember.new(A)
    info = creator.create(SESSION)
    created = create_group(SESSION, ClientFrame(FrameKind.CREATE, 1, b"", info), A, {A})
    assert isinstance(created, GroupLog) and created.roster == {A} and created.epoch == 0
    not_admitted = create_group(SESSION, ClientFrame(FrameKind.CREATE, 1, b"", info), A, set())
    assert isinstance(not_admitted, Rejected) and not_admitted.reason == Reason.NOT_ADMITTED
    elsewhere = create_group("t" * 32, ClientFrame(FrameKind.CREATE, 1, b"", info), A, {A})
    assert isinstance(elsewhere, Rejected) and elsewhere.reason == Reason.WRONG_GROUP
    someone_else = create_group(SESSION, ClientFrame(FrameKind.CREATE, 1, b"", info), B, {A, B})
    assert isinstance(someone_else, Rejected) and someone_else.reason == Reason.GROUP_INFO_MISMATCH
    exists = created.offer(ClientFrame(FrameKind.CREATE, 1, b"", info), A, {A}, set(), NOW)
    assert isinstance(exists, Rejected) and exists.reason == Reason.GROUP_EXISTS


frames = st.lists(
    st.tuples(st.sampled_from(["app", "commit"]), st.integers(-2, 1), st.sampled_from([A, B])),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(frames)
def test_any_interleaving_keeps_one_log_and_one_commit_per_epoch(
    script: list[tuple[str, int, str]],
) -> None:
    log = new_log()
    accepted: list[Accepted] = []
    for kind, offset, sender in script:
        epoch = max(0, log.epoch + offset)
        frame = app(epoch) if kind == "app" else commit(epoch)
        before = (log.epoch, log.head)
        decision = offer(log, frame, sender)
        if isinstance(decision, Accepted):
            assert decision.entry.epoch == before[0]
            accepted.append(decision)
        else:
            assert (log.epoch, log.head) == before  # a refusal changes nothing
            if epoch < before[0]:
                assert decision.reason == Reason.STALE_EPOCH
                assert decision.catch_up_from == log.commit_seqs[epoch]
            elif epoch > before[0]:
                assert decision.reason == Reason.FUTURE_EPOCH
    assert [a.entry.seq for a in accepted] == list(range(1, len(accepted) + 1))
    commits = [a.entry.epoch for a in accepted if a.entry.content_type == ContentType.COMMIT]
    assert commits == list(range(len(commits)))  # exactly one per epoch, in order
    assert log.epoch == len(commits)
