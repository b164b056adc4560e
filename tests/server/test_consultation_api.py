"""The consultation: statements, votes, translations, reports, moderation, own data, map."""

from __future__ import annotations

import httpx

from tests.server.conftest import FakeClock, World, auth, join


async def _statement(
    client: httpx.AsyncClient, world: World, token: str, text: str, language: str = "en"
) -> dict[str, object]:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/statements",
        json={"prompt_index": 0, "text": text, "language": language},
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def _next(client: httpx.AsyncClient, world: World, token: str) -> dict[str, object]:
    response = await client.get(
        f"/api/dialogues/{world.dialogue_id}/statements/next", headers=auth(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _vote(
    client: httpx.AsyncClient, statement: object, token: str, vote: str
) -> httpx.Response:
    return await client.put(
        f"/api/statements/{statement}/vote", json={"vote": vote}, headers=auth(token)
    )


async def test_statement_cards_and_votes(client: httpx.AsyncClient, world: World) -> None:
    first = await _statement(client, world, world.participant, "Clean water for everyone.")
    assert first["my_vote"] == "agree"  # the author agrees with their own statement
    assert first["original"] == {"text": "Clean water for everyone.", "language": "en"}
    card = await _next(client, world, world.facilitator)
    assert card["remaining"] == 1
    assert card["statement"]["id"] == first["id"]  # type: ignore[index]
    assert (await _vote(client, first["id"], world.facilitator, "disagree")).status_code == 200
    assert (await _next(client, world, world.facilitator)) == {"statement": None, "remaining": 0}
    changed = await _vote(client, first["id"], world.facilitator, "pass")
    assert changed.json()["my_vote"] == "pass"
    assert (await _next(client, world, world.participant))["statement"] is None


async def test_translation_shown_with_original(client: httpx.AsyncClient, world: World) -> None:
    statement = await _statement(client, world, world.convener, "Plant more trees.")
    added = await client.post(
        f"/api/statements/{statement['id']}/translations",
        json={"language": "fr", "text": "Planter plus d'arbres."},
        headers=auth(world.facilitator),
    )
    assert added.status_code == 201
    card = (await _next(client, world, world.participant))["statement"]  # language fr
    assert card["translation"] == {  # type: ignore[index]
        "text": "Planter plus d'arbres.",
        "language": "fr",
        "source": "human",
    }
    assert card["original"]["text"] == "Plant more trees."  # type: ignore[index]
    refused = await client.post(
        f"/api/statements/{statement['id']}/translations",
        json={"language": "fr", "text": "x"},
        headers=auth(world.participant),
    )
    assert refused.status_code == 403


async def test_bad_contributions_are_refused(
    client: httpx.AsyncClient, world: World, clock: FakeClock
) -> None:
    path = f"/api/dialogues/{world.dialogue_id}/statements"
    cases = [
        ({"text": "x" * 281, "language": "en"}, "text"),
        ({"text": "   ", "language": "en"}, "text"),
        ({"text": "ok", "language": "en", "prompt_index": 99}, "prompt_index"),
        ({"text": "ok", "language": "en", "author": "me"}, "author"),
        ({"text": "ok"}, "language"),
    ]
    for body, field in cases:
        response = await client.post(path, json=body, headers=auth(world.participant))
        assert response.status_code == 422, body
        assert response.json()["error"]["field"] == field
    out_of_range = await client.post(
        path,
        json={"text": "ok", "language": "en", "prompt_index": 3},
        headers=auth(world.participant),
    )
    assert out_of_range.json()["error"]["code"] == "prompt_not_found"
    statement = await _statement(client, world, world.convener, "Fine.")
    bad_vote = await _vote(client, statement["id"], world.participant, "maybe")
    assert bad_vote.status_code == 422
    assert bad_vote.json()["error"]["field"] == "vote"
    clock.advance(days=8)
    closed = await client.post(
        path, json={"text": "late", "language": "en"}, headers=auth(world.participant)
    )
    assert closed.status_code == 403
    assert closed.json()["error"]["code"] == "dialogue_closed"
    assert (await _vote(client, statement["id"], world.participant, "agree")).status_code == 403
    assert (await _next(client, world, world.convener))["remaining"] == 0


async def test_report_and_moderation_with_public_log(
    client: httpx.AsyncClient, world: World
) -> None:
    bad = await _statement(client, world, world.participant, "Buy cheap watches at example.com")
    good = await _statement(client, world, world.participant, "Schools need water too.")
    reported = await client.post(
        f"/api/statements/{bad['id']}/report", json={"reason": "spam"}, headers=auth(world.convener)
    )
    assert reported.status_code == 201
    queue = await client.get(
        f"/api/dialogues/{world.dialogue_id}/moderation", headers=auth(world.facilitator)
    )
    assert [item["id"] for item in queue.json()] == [bad["id"], good["id"]]
    assert queue.json()[0]["report_reasons"] == {"spam": 1}
    refused = await client.post(
        f"/api/statements/{bad['id']}/moderate",
        json={"action": "hide"},
        headers=auth(world.facilitator),
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "reason_required"
    unknown = await client.post(
        f"/api/statements/{bad['id']}/moderate",
        json={"action": "hide", "reason": "i_dislike_it"},
        headers=auth(world.facilitator),
    )
    assert unknown.status_code == 422
    participant = await client.post(
        f"/api/statements/{bad['id']}/moderate",
        json={"action": "hide", "reason": "spam"},
        headers=auth(world.participant),
    )
    assert participant.status_code == 403
    hidden = await client.post(
        f"/api/statements/{bad['id']}/moderate",
        json={"action": "hide", "reason": "spam"},
        headers=auth(world.facilitator),
    )
    assert hidden.status_code == 200
    accepted = await client.post(
        f"/api/statements/{good['id']}/moderate",
        json={"action": "accept"},
        headers=auth(world.convener),
    )
    assert accepted.json()["reason"] == "within_guidelines"
    card = await _next(client, world, world.convener)
    assert card["statement"]["id"] == good["id"]  # type: ignore[index]
    assert card["remaining"] == 1
    assert (await _vote(client, bad["id"], world.convener, "agree")).status_code == 409
    log = await client.get(
        f"/api/dialogues/{world.dialogue_id}/moderation/log", headers=auth(world.participant)
    )
    assert [
        (d["statement_number"], d["action"], d["reason"], d["actor_role"]) for d in log.json()
    ] == [
        (0, "hide", "spam", "facilitator"),
        (1, "accept", "within_guidelines", "convener"),
    ]
    assert world.facilitator_id not in log.text


async def test_see_export_and_delete_own_contributions(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = await _statement(client, world, world.participant, "Mine.")
    theirs = await _statement(client, world, world.convener, "Theirs.")
    await _vote(client, theirs["id"], world.participant, "disagree")
    await _vote(client, mine["id"], world.convener, "agree")
    export = (await client.get("/api/me/contributions", headers=auth(world.participant))).json()
    assert [s["original"]["text"] for s in export["statements"]] == ["Mine."]
    assert {(v["statement_text"], v["vote"]) for v in export["votes"]} == {
        ("Mine.", "agree"),
        ("Theirs.", "disagree"),
    }
    deleted = await client.delete("/api/me/contributions", headers=auth(world.participant))
    assert deleted.json()["deleted"] == {"statements": 1, "votes": 2, "reports": 0}
    after = (await client.get("/api/me/contributions", headers=auth(world.participant))).json()
    assert after["statements"] == [] and after["votes"] == []
    convener = (await client.get("/api/me/contributions", headers=auth(world.convener))).json()
    assert [v["statement_text"] for v in convener["votes"]] == ["Theirs."]


async def test_opinion_map_finds_two_camps(client: httpx.AsyncClient, world: World) -> None:
    texts = [f"Statement {i}" for i in range(8)]
    ids = [(await _statement(client, world, world.convener, text))["id"] for text in texts]
    invite = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites", json={}, headers=auth(world.convener)
    )
    people = [await join(client, invite.json()["token"], f"P{i}") for i in range(16)]
    for index, person in enumerate(people):
        camp = index % 2
        for number, statement in enumerate(ids):
            agree = (number < 4) == (camp == 0)
            if number == 7:
                agree = True  # everyone agrees on the last one
            await _vote(client, statement, person["token"], "agree" if agree else "disagree")
    result = await client.get(
        f"/api/dialogues/{world.dialogue_id}/opinion-map", headers=auth(people[0]["token"])
    )
    assert result.status_code == 200, result.text
    body = result.json()
    assert len(body["groups"]) == 2
    # the sixteen in two camps, plus the convener who agreed with every statement they wrote
    assert sorted(g["size"] for g in body["groups"]) == [8, 9]
    assert body["participants"] == 17
    assert body["me"]["group"] in (0, 1)
    assert "members" not in body and world.participant_id not in result.text
    assert 7 in [c["number"] for c in body["consensus"]["agree"]]
    assert body["statement_texts"]["7"]["original"]["text"] == "Statement 7"
    again = await client.get(
        f"/api/dialogues/{world.dialogue_id}/opinion-map", headers=auth(people[1]["token"])
    )
    assert again.json()["groups"] == body["groups"]
    assert again.json()["me"]["group"] != body["me"]["group"]


async def test_opinion_map_of_empty_dialogue(client: httpx.AsyncClient, world: World) -> None:
    body = (
        await client.get(
            f"/api/dialogues/{world.dialogue_id}/opinion-map", headers=auth(world.convener)
        )
    ).json()
    assert body["groups"] == [] and body["me"] is None and body["votes"] == 0


async def test_open_schedule_check_uses_clock(
    client: httpx.AsyncClient, world: World, clock: FakeClock
) -> None:
    clock.advance(hours=-2)  # before the dialogue opens
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/statements",
        json={"text": "early", "language": "en"},
        headers=auth(world.participant),
    )
    assert response.json()["error"]["code"] == "dialogue_scheduled"


async def test_skipped_cards_and_remaining_per_prompt(
    client: httpx.AsyncClient, world: World
) -> None:
    patched = await client.patch(
        f"/api/dialogues/{world.dialogue_id}",
        json={"prompts": ["One?", "Two?"]},
        headers=auth(world.convener),
    )
    assert patched.status_code == 200, patched.text
    first = await _statement(client, world, world.convener, "First.")
    second = await _statement(client, world, world.convener, "Second.")
    other = await client.post(
        f"/api/dialogues/{world.dialogue_id}/statements",
        json={"prompt_index": 1, "text": "Other prompt.", "language": "en"},
        headers=auth(world.convener),
    )
    assert other.status_code == 201, other.text
    url = f"/api/dialogues/{world.dialogue_id}/statements/next"
    card = (
        await client.get(url, params={"prompt_index": 0}, headers=auth(world.participant))
    ).json()
    assert (card["statement"]["id"], card["remaining"]) == (first["id"], 2)
    skipped = (
        await client.get(
            url, params={"prompt_index": 0, "skip": [first["id"]]}, headers=auth(world.participant)
        )
    ).json()
    assert (skipped["statement"]["id"], skipped["remaining"]) == (second["id"], 1)
    done = await client.get(
        url,
        params={"prompt_index": 0, "skip": [first["id"], second["id"]]},
        headers=auth(world.participant),
    )
    assert done.json() == {"statement": None, "remaining": 0}
    assert (await _next(client, world, world.participant))["remaining"] == 3


async def test_own_votes_name_their_statement(client: httpx.AsyncClient, world: World) -> None:
    theirs = await _statement(client, world, world.convener, "Theirs.")
    await _vote(client, theirs["id"], world.participant, "agree")
    export = (await client.get("/api/me/contributions", headers=auth(world.participant))).json()
    assert [(v["statement_id"], v["vote"]) for v in export["votes"]] == [(theirs["id"], "agree")]


async def test_accepted_statements_listed_for_moderators(
    client: httpx.AsyncClient, world: World
) -> None:
    kept = await _statement(client, world, world.participant, "Kept.")
    await _statement(client, world, world.participant, "Waiting.")
    await client.post(
        f"/api/statements/{kept['id']}/moderate",
        json={"action": "accept"},
        headers=auth(world.facilitator),
    )
    await client.post(
        f"/api/statements/{kept['id']}/report",
        json={"reason": "off_topic"},
        headers=auth(world.convener),
    )
    url = f"/api/dialogues/{world.dialogue_id}/moderation"
    waiting = (await client.get(url, headers=auth(world.facilitator))).json()
    assert [s["original"]["text"] for s in waiting] == ["Waiting."]
    accepted = (
        await client.get(url, params={"status": "accepted"}, headers=auth(world.facilitator))
    ).json()
    assert [(s["id"], s["reports"], s["report_reasons"]) for s in accepted] == [
        (kept["id"], 1, {"off_topic": 1})
    ]
    refused = await client.get(url, params={"status": "hidden"}, headers=auth(world.facilitator))
    assert refused.status_code == 422
    participant = await client.get(
        url, params={"status": "accepted"}, headers=auth(world.participant)
    )
    assert participant.status_code == 403
