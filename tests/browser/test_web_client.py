"""The web client in Debian Chromium against the real server.

A convener creates a dialogue and an invite through the UI; a person opens the invite
in a second browser profile, joins with a name and a language and sees the lobby; a
session the convener then creates appears in that lobby. Also: Arabic renders right to
left, unusable invites show the server's error, joining works by keyboard alone, and no
page asks any origin but the server.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Traffic

pytestmark = pytest.mark.browser

LOBBY = re.compile(r"/d/[0-9A-Za-z_-]+$")
DASHBOARD = re.compile(r"/d/[0-9A-Za-z_-]+/dashboard$")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def call(server: Server, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """One JSON API request; raises on any non-2xx answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.url}/api{path}", data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def make_dialogue(server: Server, title: str = "Our cities in 2050") -> dict[str, Any]:
    now = datetime.now(UTC)
    return call(  # type: ignore[no-any-return]
        server,
        "POST",
        "/dialogues",
        {
            "title": title,
            "description": "What kind of cities do we want to live in?",
            "prompts": ["What should change?", "What should stay?"],
            "languages": ["en", "fr", "ar"],
            "opens_at": iso(now - timedelta(hours=1)),
            "closes_at": iso(now + timedelta(days=30)),
            "convener": {"display_name": "Zola", "language": "en"},
        },
    )


def make_invite(server: Server, created: dict[str, Any], **options: Any) -> dict[str, Any]:
    dialogue_id = created["dialogue"]["id"]
    body = {"role": "participant", **options}
    return call(server, "POST", f"/dialogues/{dialogue_id}/invites", body, created["token"])  # type: ignore[no-any-return]


def make_session(server: Server, created: dict[str, Any], topic: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "topic": topic,
        "languages": ["en", "fr"],
        "capacity": 6,
        "starts_at": iso(now + timedelta(hours=1)),
        "ends_at": iso(now + timedelta(hours=2)),
    }
    dialogue_id = created["dialogue"]["id"]
    return call(server, "POST", f"/dialogues/{dialogue_id}/sessions", body, created["token"])  # type: ignore[no-any-return]


def assert_only_own_origin(traffic: Traffic, server: Server) -> None:
    assert traffic.requests, "no request was recorded"
    assert traffic.foreign(server.origin) == []
    assert traffic.console_errors == []


def test_join_by_invite_and_see_new_session_in_lobby(
    server: Server, new_context: Any, traffic: Traffic
) -> None:
    convener_context = new_context()
    convener_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.origin)
    convener = convener_context.new_page()
    convener.goto(server.url + "/")
    convener.get_by_label("Title").fill("Our cities in 2050")
    convener.get_by_label("Description").fill("What kind of cities do we want to live in?")
    convener.get_by_label("Question 1").fill("What should change?")
    convener.get_by_role("button", name="Add a question").click()
    convener.get_by_label("Question 2").fill("What should stay?")
    convener.get_by_label("French (fr)").check()
    convener.get_by_label("Your display name").fill("Zola")
    convener.get_by_role("button", name="Create the dialogue").click()
    expect(convener).to_have_url(DASHBOARD)
    expect(convener.get_by_role("heading", level=1)).to_have_text("Dashboard: Our cities in 2050")

    convener.get_by_role("button", name="Create the invite link").click()
    invite_url = convener.get_by_label("Invite link", exact=True).input_value()
    assert re.fullmatch(re.escape(server.url) + r"/i/[A-Za-z0-9_-]{20,}", invite_url), invite_url
    convener.get_by_role("button", name="Copy link").click()
    expect(convener.get_by_text("Link copied.")).to_be_visible()
    assert convener.evaluate("navigator.clipboard.readText()") == invite_url

    person = new_context().new_page()
    person.goto(invite_url)
    expect(person.get_by_role("heading", level=1)).to_have_text("You are invited to a dialogue")
    expect(person.get_by_role("heading", name="Our cities in 2050")).to_be_visible()
    expect(person.get_by_text("What should stay?")).to_be_visible()
    expect(person.get_by_text("You are invited as a participant.")).to_be_visible()
    privacy = person.locator(".privacy-note")
    expect(privacy).to_contain_text("No account, no e-mail, no phone number")
    # A name and a language, nothing else: no e-mail, no phone number, no password.
    fields = person.locator("main input, main select, main textarea")
    names = fields.evaluate_all("(controls) => controls.map((c) => c.name)")
    assert names == ["display_name", "language", "language_other"]
    person.get_by_label("Display name").fill("Ama")
    person.get_by_label("Your language").select_option("en")
    person.get_by_role("button", name="Join the dialogue").click()

    expect(person).to_have_url(LOBBY)
    expect(person.get_by_role("heading", level=1)).to_have_text("Our cities in 2050")
    expect(person.get_by_text("You are Ama, participant.")).to_be_visible()
    expect(person.get_by_text("No sessions yet.")).to_be_visible()
    credentials = json.loads(person.evaluate("localStorage.getItem('indaba.credentials')"))
    assert list(credentials) == [person.url.rsplit("/", 1)[1]]

    convener.get_by_label("Topic").fill("Water and the city")
    convener.get_by_label("Capacity (people)").fill("4")
    convener.get_by_role("button", name="Create the session").click()
    expect(convener.locator("[data-stat=sessions] dd")).to_have_text("1")
    expect(convener.locator("[data-stat=participants] dd")).to_have_text("1")

    # The lobby refreshes by itself (every 5 s, and on focus).
    session = person.locator("li.session")
    expect(session.get_by_role("heading", name="Water and the city")).to_be_visible(timeout=30_000)
    expect(session).to_contain_text("0 / 4")
    session.get_by_role("button", name="Join").click()
    expect(session).to_contain_text("1 / 4")
    expect(session.get_by_role("button", name="Leave")).to_be_visible()

    # Opening the invite again from the same browser resumes the same participant.
    person.goto(invite_url)
    expect(person.get_by_text("already joined this dialogue as Ama")).to_be_visible()
    person.get_by_role("button", name="Continue").click()
    expect(person).to_have_url(LOBBY)
    expect(person.get_by_text("You are Ama, participant.")).to_be_visible()
    convener.reload()
    expect(convener.locator("[data-stat=participants] dd")).to_have_text("1")
    expect(convener.locator("[data-stat=invite_uses] dd")).to_have_text("1")

    assert_only_own_origin(traffic, server)


def test_arabic_interface_is_right_to_left(server: Server, new_context: Any) -> None:
    created = make_dialogue(server)
    invite = make_invite(server, created)

    page = new_context(locale="ar").new_page()
    page.goto(server.url + invite["url"])
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("أنت مدعو إلى حوار")
    expect(page.get_by_role("button", name="انضم إلى الحوار")).to_be_visible()
    # Mirrored layout: the brand sits to the right of the language selector.
    brand = page.locator(".brand").bounding_box()
    selector = page.locator("#ui-language").bounding_box()
    assert brand and selector and brand["x"] > selector["x"]

    # The selector in the header switches an English page to Arabic and back.
    english = new_context().new_page()
    english.goto(server.url + "/")
    expect(english.locator("html")).to_have_attribute("dir", "ltr")
    english.get_by_label("Language", exact=True).select_option("ar")
    expect(english.locator("html")).to_have_attribute("dir", "rtl")
    expect(english.get_by_role("heading", name="أنشئ حوارًا")).to_be_visible()
    english.reload()
    expect(english.locator("html")).to_have_attribute("dir", "rtl")
    english.get_by_label("اللغة", exact=True).select_option("fr")
    expect(english.locator("html")).to_have_attribute("dir", "ltr")
    expect(english.get_by_role("heading", name="Créer un dialogue")).to_be_visible()


def _expect_unusable(page: Page, code: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("This invite link cannot be used")
    alert = page.locator(f".form-error[data-code={code}]")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    expect(page.get_by_role("button", name="Join the dialogue")).to_have_count(0)


def test_unusable_invites_show_the_server_error(server: Server, new_context: Any) -> None:
    created = make_dialogue(server)
    revoked = make_invite(server, created)
    call(server, "POST", f"/invites/{revoked['id']}/revoke", None, created["token"])
    used_up = make_invite(server, created, max_uses=1)
    call(
        server,
        "POST",
        "/invites/accept",
        {"token": used_up["token"], "display_name": "First", "language": "en"},
    )
    expires_at = datetime.now(UTC) + timedelta(seconds=3)
    expiring = make_invite(server, created, expires_at=iso(expires_at))

    page = new_context().new_page()
    page.goto(server.url + revoked["url"])
    _expect_unusable(page, "invite_revoked")
    page.goto(server.url + used_up["url"])
    _expect_unusable(page, "invite_used_up")
    page.goto(server.url + "/i/not-a-real-invite-token")
    _expect_unusable(page, "invite_not_found")

    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds() + 0.5))
    page.goto(server.url + expiring["url"])
    _expect_unusable(page, "invite_expired")

    # In French the page explains in French and still quotes the server.
    french = new_context(locale="fr-FR").new_page()
    french.goto(server.url + revoked["url"])
    expect(french.get_by_role("heading", level=1)).to_have_text(
        "Ce lien d’invitation ne peut pas être utilisé"
    )
    expect(french.locator(".form-error")).to_contain_text("retiré")


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_join_with_the_keyboard_only(server: Server, new_context: Any) -> None:
    created = make_dialogue(server)
    make_session(server, created, "Transport")
    invite = make_invite(server, created)

    page = new_context().new_page()
    page.goto(server.url + invite["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("You are invited to a dialogue")
    _tab_to(page, "#join-name")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows no focus outline"
    page.keyboard.type("Kofi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "join-language"
    page.keyboard.press("ArrowDown")  # en → fr
    _tab_to(page, "#join-submit")
    page.keyboard.press("Enter")

    expect(page).to_have_url(LOBBY)
    # The member chose French, so the interface follows.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Vous êtes Kofi, participant ou participante.")).to_be_visible()
    _tab_to(page, "li.session button")
    page.keyboard.press("Enter")
    expect(page.locator("li.session button")).to_have_text("Quitter")
    expect(page.locator("li.session")).to_contain_text("1 / 6")


def test_pages_ask_no_other_origin(server: Server, new_context: Any, traffic: Traffic) -> None:
    created = make_dialogue(server)
    invite = make_invite(server, created)
    dialogue_id = created["dialogue"]["id"]

    convener = new_context().new_page()
    convener.goto(server.url + "/")
    convener.evaluate(
        "([id, token]) => localStorage.setItem('indaba.credentials', "
        "JSON.stringify({[id]: token}))",
        [dialogue_id, created["token"]],
    )
    for path in ("/", f"/d/{dialogue_id}", f"/d/{dialogue_id}/dashboard", "/no/such/page"):
        convener.goto(server.url + path)
        convener.wait_for_load_state("networkidle")
    person = new_context(locale="ar").new_page()
    person.goto(server.url + invite["url"])
    person.get_by_label("الاسم الظاهر").fill("Amina")
    person.get_by_role("button", name="انضم إلى الحوار").click()
    expect(person).to_have_url(LOBBY)
    person.wait_for_load_state("networkidle")

    assert any(url.endswith(".js") for url in traffic.requests)
    assert any(url.endswith(".css") for url in traffic.requests)
    assert_only_own_origin(traffic, server)


def test_narrow_right_to_left_pages_do_not_scroll_sideways(
    server: Server, new_context: Any
) -> None:
    created = make_dialogue(server)
    make_session(server, created, "Transport")
    make_invite(server, created, max_uses=3)
    dialogue_id = created["dialogue"]["id"]

    page = new_context(locale="ar", viewport={"width": 360, "height": 740}).new_page()
    page.goto(server.url + "/")
    page.evaluate(
        "([id, token]) => localStorage.setItem('indaba.credentials', "
        "JSON.stringify({[id]: token}))",
        [dialogue_id, created["token"]],
    )
    for path in ("/", f"/d/{dialogue_id}", f"/d/{dialogue_id}/dashboard"):
        page.goto(server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"


def test_facilitator_creates_a_session_and_invites_to_it(server: Server, new_context: Any) -> None:
    created = make_dialogue(server)
    facilitator_invite = make_invite(server, created, role="facilitator")
    participant_invite = make_invite(server, created)

    facilitator = new_context().new_page()
    facilitator.goto(server.url + facilitator_invite["url"])
    expect(facilitator.get_by_text("You are invited as a facilitator.")).to_be_visible()
    facilitator.get_by_label("Display name").fill("Nadia")
    facilitator.get_by_role("button", name="Join the dialogue").click()
    expect(facilitator).to_have_url(LOBBY)
    facilitator.get_by_role("link", name="Open the dashboard").click()
    expect(facilitator).to_have_url(DASHBOARD)
    expect(facilitator.get_by_text("You will facilitate the sessions you create.")).to_be_visible()
    facilitator.get_by_label("Topic").fill("Green spaces")
    facilitator.get_by_role("button", name="Create the session").click()
    expect(facilitator.locator("#invite-session option:text('Green spaces')")).to_have_count(1)
    facilitator.get_by_label("Session", exact=True).select_option(label="Green spaces")
    facilitator.get_by_role("button", name="Create the invite link").click()
    session_invite_url = facilitator.get_by_label("Invite link", exact=True).input_value()

    # The participant's lobby shows the session with its facilitator.
    person = new_context().new_page()
    person.goto(server.url + participant_invite["url"])
    person.get_by_label("Display name").fill("Ama")
    person.get_by_role("button", name="Join the dialogue").click()
    session = person.locator("li.session")
    expect(session.get_by_role("heading", name="Green spaces")).to_be_visible()
    expect(session).to_contain_text("Nadia")
    expect(session.get_by_role("button", name="Join")).to_be_enabled()

    # A session invite joins the newcomer to that session directly.
    newcomer = new_context().new_page()
    newcomer.goto(session_invite_url)
    expect(
        newcomer.get_by_text("This invitation is for the session “Green spaces”.")
    ).to_be_visible()
    newcomer.get_by_label("Display name").fill("Kofi")
    newcomer.get_by_role("button", name="Join the dialogue").click()
    expect(newcomer.locator("li.session")).to_contain_text("You have joined this session.")
    expect(newcomer.locator("li.session")).to_contain_text("1 / 8")
