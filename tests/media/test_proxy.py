import json
from typing import Any

import pytest

from indaba.media.proxy import Refused, RequestFilter, refusal, transaction_of

ROOM = 1234


def forward(message: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(RequestFilter(ROOM, "tok").inbound(json.dumps(message)))
    return result


def msg(body: dict[str, Any]) -> dict[str, Any]:
    return {"janus": "message", "transaction": "t", "session_id": 1, "handle_id": 2, "body": body}


def test_stamps_the_participant_token_everywhere() -> None:
    out = forward(msg({"request": "join", "ptype": "publisher", "room": ROOM}))
    assert out["token"] == "tok"
    assert out["body"]["token"] == "tok"
    assert forward({"janus": "create", "transaction": "t", "token": "forged"})["token"] == "tok"


@pytest.mark.parametrize(
    "message",
    [
        {"janus": "create"},  # no transaction
        {"janus": "info", "transaction": "t"},
        {"janus": "add_token", "transaction": "t", "token": "x"},
        {"janus": "attach", "transaction": "t", "plugin": "janus.plugin.streaming"},
        msg({"request": "create", "room": 99}),
        msg({"request": "destroy", "room": ROOM, "secret": "s"}),
        msg({"request": "kick", "room": ROOM, "id": 3}),
        msg({"request": "allowed", "room": ROOM, "action": "disable"}),
        msg({"request": "rtp_forward", "room": ROOM}),
        msg({"request": "enable_recording", "room": ROOM}),
        msg({"request": "list"}),
        msg({"request": "join", "ptype": "publisher", "room": ROOM + 1}),
        msg({"request": "join", "ptype": "subscriber"}),
        msg({"request": "configure", "record": True}),
        msg({"request": "configure", "streams": [{"mid": "0", "record": True}]}),
        msg("join"),  # type: ignore[arg-type]
    ],
)
def test_refuses_what_a_participant_does_not_need(message: dict[str, Any]) -> None:
    with pytest.raises(Refused):
        forward(message)


def test_refuses_non_json_and_huge_frames() -> None:
    with pytest.raises(Refused):
        RequestFilter(ROOM, "t").inbound("{")
    with pytest.raises(Refused):
        RequestFilter(ROOM, "t").inbound("[1]")
    with pytest.raises(Refused, match="too large"):
        RequestFilter(ROOM, "t").inbound(" " * (300 * 1024))


def test_refusal_has_janus_shape() -> None:
    answer = json.loads(refusal("no", "abc"))
    assert answer == {
        "janus": "error",
        "error": {"code": 403, "reason": "no"},
        "transaction": "abc",
    }
    assert transaction_of('{"transaction": "x"}') == "x"
    assert transaction_of("garbage") is None
