from datetime import UTC, datetime, timedelta

import pytest

from indaba.media import tickets

NOW = datetime(2030, 1, 1, tzinfo=UTC)
SECRET = b"s" * 32


def test_round_trip() -> None:
    ticket = tickets.issue(SECRET, "sess", "mem", NOW)
    assert tickets.verify(SECRET, ticket, NOW) == tickets.Ticket(
        "sess", "mem", int(NOW.timestamp()) + tickets.TICKET_SECONDS
    )


@pytest.mark.parametrize("mutate", ["secret", "member", "expiry", "format"])
def test_refuses_forged_tickets(mutate: str) -> None:
    ticket = tickets.issue(SECRET, "sess", "mem", NOW)
    parts = ticket.split(".")
    if mutate == "secret":
        candidate = tickets.issue(b"x" * 32, "sess", "mem", NOW)
    elif mutate == "member":
        candidate = ".".join([*parts[:2], "other", *parts[3:]])
    elif mutate == "expiry":
        candidate = ".".join([*parts[:3], str(int(parts[3]) + 3600), parts[4]])
    else:
        candidate = ticket.replace("v1.", "v2.")
    with pytest.raises(tickets.BadTicket):
        tickets.verify(SECRET, candidate, NOW)


def test_expires() -> None:
    ticket = tickets.issue(SECRET, "sess", "mem", NOW)
    later = NOW + timedelta(seconds=tickets.TICKET_SECONDS + 1)
    with pytest.raises(tickets.BadTicket, match="expired"):
        tickets.verify(SECRET, ticket, later)
