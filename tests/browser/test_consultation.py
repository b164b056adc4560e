"""The consultation in Debian Chromium against the real server.

Several people join (through the API, to be quick), write statements and vote through the
voting cards — one of them by keyboard alone; a facilitator hides a reported statement
with a reason in the moderation page, and it leaves the cards and enters the public log;
a participant exports their contributions as a file (an ``<a download>`` on a ``blob:``
URL, allowed by the CSP) and deletes them; the results page draws two opinion groups
with a table alternative once votes are seeded for two camps. No page asks any origin
but the server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, Traffic, _origin

pytestmark = pytest.mark.browser

SPAM = "Buy cheap watches now at watches.example!"


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/api", timeout=30) as client:
        yield client


def call(api: httpx.Client, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = api.request(method, path, headers=headers, **kwargs)
    assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_dialogue(api: httpx.Client) -> dict[str, Any]:
    now = datetime.now(UTC)
    return call(  # type: ignore[no-any-return]
        api,
        "POST",
        "/dialogues",
        json={
            "title": "Our cities in 2050",
            "description": "What kind of cities do we want to live in?",
            "prompts": ["What should change in our cities?"],
            "languages": ["en", "fr", "ar"],
            "opens_at": iso(now - timedelta(hours=1)),
            "closes_at": iso(now + timedelta(days=30)),
            "convener": {"display_name": "Zola", "language": "en"},
        },
    )


def join(
    api: httpx.Client,
    created: dict[str, Any],
    name: str,
    language: str = "en",
    role: str = "participant",
) -> dict[str, Any]:
    dialogue_id = created["dialogue"]["id"]
    invite = call(
        api, "POST", f"/dialogues/{dialogue_id}/invites", created["token"], json={"role": role}
    )
    return call(  # type: ignore[no-any-return]
        api,
        "POST",
        "/invites/accept",
        json={"token": invite["token"], "display_name": name, "language": language},
    )


def statement(
    api: httpx.Client, dialogue_id: str, token: str, text: str, language: str = "en"
) -> Any:
    body = {"prompt_index": 0, "text": text, "language": language}
    return call(api, "POST", f"/dialogues/{dialogue_id}/statements", token, json=body)


def signed_in(context: BrowserContext, server: Server, dialogue_id: str, token: str) -> Page:
    """A page of `context` whose localStorage holds the credential, as after joining."""
    page = context.new_page()
    page.goto(server.url + "/")
    page.evaluate(
        "([id, token]) =>"
        " localStorage.setItem('indaba.credentials', JSON.stringify({[id]: token}))",
        [dialogue_id, token],
    )
    return page


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def assert_only_own_origin(traffic: Traffic, server: Server) -> None:
    assert traffic.requests, "no request was recorded"
    # A blob: URL of the server's own origin is the exported file, made in the page.
    foreign = [
        url
        for url in traffic.foreign(server.origin)
        if not (url.startswith("blob:") and _origin(url[len("blob:") :]) == server.origin)
    ]
    assert foreign == []
    assert traffic.console_errors == []


def card_text(page: Page) -> str:
    return page.locator(".vote-card blockquote").inner_text()


def test_contribute_vote_moderate_export_and_delete(
    server: Server, api: httpx.Client, new_context: Any, traffic: Traffic, tmp_path: Path
) -> None:
    created = make_dialogue(api)
    dialogue_id = created["dialogue"]["id"]
    convener = created["token"]
    ama = join(api, created, "Ama", "en")
    kofi = join(api, created, "Kofi", "fr")
    lena = join(api, created, "Lena", "en")
    nadia = join(api, created, "Nadia", "en", role="facilitator")

    statement(api, dialogue_id, convener, "Plant a tree on every street.")
    french = statement(api, dialogue_id, kofi["token"], "Des bus gratuits la nuit.", "fr")
    call(
        api,
        "POST",
        f"/statements/{french['id']}/translations",
        nadia["token"],
        json={"language": "en", "text": "Free buses at night."},
    )
    spam = statement(api, dialogue_id, convener, SPAM)
    statement(api, dialogue_id, convener, "Keep the old markets.")

    # Ama writes a statement through the form, then votes by keyboard alone.
    page = signed_in(new_context(), server, dialogue_id, ama["token"])
    page.goto(f"{server.url}/d/{dialogue_id}")
    page.get_by_role("link", name="Contribute and vote").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Consultation: Our cities in 2050")
    # The page is ready for the keyboard once its heading has the focus.
    expect(heading).to_be_focused()
    notices = page.locator(".privacy-note")
    expect(notices).to_have_count(2)
    for index in range(2):
        expect(notices.nth(index)).to_contain_text(
            "go to the convener and are published in aggregate"
        )
    expect(page.get_by_label("Language of your statement")).to_have_value("en")
    tab_to(page, "#statement-text")
    page.keyboard.type("Quiet streets near schools.")
    expect(page.locator(".counter")).to_have_text("27 of 280 characters")
    tab_to(page, "#statement-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Statement sent.")).to_be_visible()
    expect(page.get_by_label("Your statement", exact=True)).to_have_value("")

    expect(page.locator("#card-remaining")).to_have_text("4 left")
    expect(page.locator(".vote-card blockquote")).to_have_text("Plant a tree on every street.")
    tab_to(page, "[data-vote=agree]")
    page.keyboard.press("Enter")
    # The card moves on; the keyboard stays on Agree.
    expect(page.locator(".vote-card blockquote")).to_have_text("Free buses at night.")
    expect(page.locator(".vote-card blockquote")).to_have_attribute("lang", "en")
    expect(page.locator("#card-provenance")).to_have_text("Translated by a person from French")
    expect(page.locator("#card-remaining")).to_have_text("3 left")
    tab_to(page, "#card-original")
    page.keyboard.press("Enter")
    expect(page.locator(".vote-card blockquote")).to_have_text("Des bus gratuits la nuit.")
    expect(page.locator(".vote-card blockquote")).to_have_attribute("lang", "fr")
    expect(page.locator("#card-original")).to_have_attribute("aria-pressed", "true")
    tab_to(page, "[data-vote=disagree]")
    page.keyboard.press("Enter")
    expect(page.locator(".vote-card blockquote")).to_have_text(SPAM)
    # Report it (the first reason, spam, is chosen), then skip it.
    tab_to(page, "#card-report")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Reason")).to_be_focused()
    tab_to(page, "#report-submit")
    page.keyboard.press("Enter")
    expect(page.locator("#card-status")).to_have_text("Reported. A facilitator will decide.")
    tab_to(page, "#card-skip")
    page.keyboard.press("Enter")
    expect(page.locator(".vote-card blockquote")).to_have_text("Keep the old markets.")
    expect(page.locator("#card-remaining")).to_have_text("1 left")
    tab_to(page, "[data-vote=pass]")
    page.keyboard.press("Enter")
    expect(page.locator("#card-empty")).to_contain_text("you skipped 1")

    # Kofi, in French, votes with the mouse and reports the same statement.
    kofi_page = signed_in(new_context(locale="fr-FR"), server, dialogue_id, kofi["token"])
    kofi_page.goto(f"{server.url}/d/{dialogue_id}/consult")
    expect(kofi_page.locator("#card-remaining")).to_have_text("Encore 4")
    kofi_page.get_by_role("button", name="D’accord", exact=True).click()
    expect(kofi_page.locator(".vote-card blockquote")).to_have_text(SPAM)
    kofi_page.get_by_role("button", name="Signaler cette affirmation").click()
    kofi_page.get_by_label("Motif").select_option("harassment")
    kofi_page.get_by_role("button", name="Envoyer le signalement").click()
    expect(kofi_page.locator("#card-status")).not_to_be_empty()

    # Nadia, a facilitator, hides it with a reason; the decision enters the public log.
    moderator = signed_in(new_context(), server, dialogue_id, nadia["token"])
    moderator.goto(f"{server.url}/d/{dialogue_id}/dashboard")
    moderator.get_by_role("link", name="Moderate statements").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderation")
    first = moderator.locator(".queue-item").first
    expect(first).to_have_attribute("data-statement-id", spam["id"])
    expect(first).to_contain_text("2 reports")
    first.get_by_label(f"Reason for hiding statement {spam['number']}").select_option("spam")
    first.get_by_role("button", name="Hide").click()
    row = moderator.locator(".moderation-log tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Hidden")
    expect(row).to_contain_text("Spam or advertising")
    expect(row).to_contain_text("facilitator")
    expect(row).not_to_contain_text("Nadia")
    expect(moderator.locator(f".queue-item[data-statement-id='{spam['id']}']")).to_have_count(0)

    # Lena goes through every card: the hidden statement is not among them; she sees the log.
    lena_page = signed_in(new_context(), server, dialogue_id, lena["token"])
    lena_page.goto(f"{server.url}/d/{dialogue_id}/consult")
    expect(lena_page.locator("#card-remaining")).to_have_text("4 left")
    seen = []
    for left in (4, 3, 2, 1):
        expect(lena_page.locator("#card-remaining")).to_have_text(f"{left} left")
        seen.append(card_text(lena_page))
        lena_page.get_by_role("button", name="Pass / unsure").click()
    expect(lena_page.locator("#card-empty")).to_contain_text("No statements left")
    assert SPAM not in seen and len(set(seen)) == 4
    lena_page.get_by_role("link", name="Moderation log").click()
    expect(lena_page.locator(".moderation-log tbody tr")).to_contain_text("Spam or advertising")
    expect(lena_page.locator("#queue-heading")).to_have_count(0)

    # Ama sees, changes, exports and deletes her contributions.
    page.get_by_role("link", name="My contributions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contributions")
    expect(page.locator(".mine-statements")).to_contain_text("Quiet streets near schools.")
    vote = page.get_by_label(f"Your vote on statement {french['number']}")
    expect(vote).to_have_value("disagree")
    vote.select_option("agree")
    expect(vote).to_be_enabled()
    mine = call(api, "GET", "/me/contributions", ama["token"])
    assert {v["statement_number"]: v["vote"] for v in mine["votes"]}[french["number"]] == "agree"

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my contributions").click()
    download = download_info.value
    assert download.suggested_filename == f"indaba-{dialogue_id}-my-contributions.json"
    link = page.locator("a.download-link")
    assert (link.get_attribute("href") or "").startswith(f"blob:{server.origin}/")
    saved = tmp_path / "mine.json"
    download.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["dialogue"]["id"] == dialogue_id
    assert [s["original"]["text"] for s in exported["statements"]] == [
        "Quiet streets near schools."
    ]
    assert len(exported["votes"]) == 4  # her own statement, agree, disagree (now agree), pass
    assert exported["reports"] == [{"statement_number": spam["number"], "reason": "spam"}]

    page.get_by_role("button", name="Delete all my contributions").click()
    expect(page.get_by_text("Delete 1 statements, 4 votes and 1 reports?")).to_be_focused()
    page.get_by_role("button", name="Yes, delete everything").click()
    expect(page.get_by_text("You have not voted yet.")).to_be_visible()
    expect(page.get_by_text("You have not written any statement.")).to_be_visible()
    after = call(api, "GET", "/me/contributions", ama["token"])
    assert after["statements"] == [] and after["votes"] == [] and after["reports"] == []

    assert_only_own_origin(traffic, server)


def test_results_show_two_camps_with_a_table(
    server: Server, api: httpx.Client, new_context: Any, traffic: Traffic
) -> None:
    created = make_dialogue(api)
    dialogue_id = created["dialogue"]["id"]
    people = [join(api, created, f"P{i}") for i in range(12)]

    page = signed_in(new_context(), server, dialogue_id, people[0]["token"])
    page.goto(f"{server.url}/d/{dialogue_id}/results")
    expect(page.get_by_role("heading", level=1)).to_have_text("Opinion map")
    expect(page.locator("#results-empty")).to_contain_text("Not enough votes yet")

    # Participants write the statements (their own vote is replaced below), so that the
    # convener casts no vote and the map holds exactly the two camps.
    ids = [
        statement(api, dialogue_id, people[n]["token"], f"Statement number {n}.")["id"]
        for n in range(8)
    ]
    for index, person in enumerate(people):
        camp = index % 2
        for number, statement_id in enumerate(ids):
            agree = (number < 4) == (camp == 0) or number == 7  # all agree on the last
            # Three people of each camp pass on one statement each, so that each camp's
            # outline is a polygon rather than a single spot.
            noisy = index // 2 < 3 and number == (0, 5, 6)[index // 2]
            vote = "pass" if noisy else "agree" if agree else "disagree"
            call(
                api,
                "PUT",
                f"/statements/{statement_id}/vote",
                person["token"],
                json={"vote": vote},
            )

    page.get_by_role("button", name="Update the results").click()
    plot = page.get_by_role("img")
    expect(plot).to_have_count(1)
    label = plot.get_attribute("aria-label") or ""
    assert label.startswith("Opinion map of 12 participants in 2 groups: group A, ")
    assert label.endswith(" You are in group A.") or label.endswith(" You are in group B.")
    expect(page.locator("svg.opinion-map polygon.hull")).to_have_count(2)
    expect(page.locator("svg.opinion-map .me text")).to_have_text("You")
    expect(page.locator(".group-card")).to_have_count(2)
    expect(page.locator(".group-card .count").first).to_have_text(
        re.compile(r"^\d+% of group A (agree|disagree), \d+ of \d+$")
    )
    expect(page.locator(".consensus[data-direction=agree]")).to_contain_text("Statement number 7.")
    expect(page.locator("[data-stat=participants] dd")).to_have_text("12")
    rows = page.locator("#groups-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("Group A")
    expect(rows.nth(1).locator("th")).to_have_text("Group B")
    expect(rows.nth(0)).to_contain_text("Statement number")

    # The legend is keyboard usable: it highlights one group.
    tab_to(page, ".legend-button[data-group='1']")
    page.keyboard.press("Enter")
    expect(page.locator(".legend-button[data-group='1']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("svg.opinion-map polygon.hull.group-0")).to_have_class(
        re.compile(r"\bdimmed\b")
    )

    assert_only_own_origin(traffic, server)
