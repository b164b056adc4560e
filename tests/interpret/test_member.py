"""The interpreter's decisions, without a network: languages present, opt-outs, routes."""

from __future__ import annotations

from indaba.client import Joined, Message, RosterChanged
from indaba.interpret import envelope
from indaba.interpret.fakes import DictionaryTranslator, FixedIdentifier
from indaba.interpret.member import Interpreter, display_name
from indaba.interpret.routing import Router

TABLE = {
    ("en", "es"): {"Save the oceans": "Salvar los océanos"},
    ("es", "fr"): {"Salvar los océanos": "Sauver les océans"},
    ("es", "en"): {"Hola": "Hello"},
}


def interpreter(identifier: FixedIdentifier | None = None) -> Interpreter:
    router = Router([DictionaryTranslator(TABLE)])
    return Interpreter("interp", router, identifier, ("dictionary",), "the convener")


def profile(member: str, lang: str, interpret: bool = True) -> Message:
    return Message(1, member, envelope.encode(envelope.Profile(lang, interpret)))


def translations(out: list[bytes]) -> list[envelope.TranslationMessage]:
    items = [envelope.decode(data, 0) for data in out]
    assert all(isinstance(i, envelope.TranslationMessage) for i in items)
    return [i for i in items if isinstance(i, envelope.TranslationMessage)]


def test_display_name_says_engines_and_operator_within_64_characters() -> None:
    assert display_name(["apertium"], "UN75 office") == (
        "Interpreter — engines: apertium, run by: UN75 office"
    )
    long = display_name(["pocketsphinx", "apertium", "espeak-ng"], "A very long operator name")
    assert len(long) <= 64 and long.startswith("Interpreter — engines: pocketsphinx+apertium")


def test_joining_announces_the_full_engine_list() -> None:
    (data,) = interpreter().on_event(Joined(1))
    item = envelope.decode(data, 0)
    assert isinstance(item, envelope.Profile) and item.interpreter
    assert item.engines == ("dictionary",) and "the convener" in item.name


def test_text_is_translated_into_each_present_language_with_its_route() -> None:
    it = interpreter()
    it.on_event(RosterChanged(1, ("amina", "beatriz", "chloe", "interp")))
    for event in (profile("amina", "en"), profile("beatriz", "es"), profile("chloe", "fr")):
        assert it.on_event(event) == []
    out = it.on_event(Message(5, "amina", envelope.text("Save the oceans", "en", id="m1")))
    got = {t.lang: t for t in translations(out)}
    assert set(got) == {"es", "fr"}
    assert (got["es"].text, got["es"].route, got["es"].ref, got["es"].ref_seq) == (
        "Salvar los océanos", ("en", "es"), "m1", 5
    )
    assert (got["fr"].text, got["fr"].route) == ("Sauver les océans", ("en", "es", "fr"))


def test_a_message_marked_not_to_interpret_is_left_alone() -> None:
    it = interpreter()
    it.on_event(profile("beatriz", "es"))
    out = it.on_event(Message(5, "amina", envelope.text("Save the oceans", "en", interpret=False)))
    assert out == [] and it.stats.opted_out == 1


def test_a_member_who_opted_out_is_never_interpreted() -> None:
    it = interpreter()
    it.on_event(profile("beatriz", "es"))
    it.on_event(profile("amina", "en", interpret=False))
    assert it.on_event(Message(6, "amina", envelope.text("Save the oceans", "en"))) == []
    it.on_event(profile("amina", "en", interpret=True))  # the latest profile wins
    assert len(it.on_event(Message(7, "amina", envelope.text("Save the oceans", "en")))) == 1


def test_language_comes_from_the_profile_then_identification() -> None:
    it = interpreter(FixedIdentifier("es"))
    it.on_event(profile("amina", "en"))
    it.on_event(profile("beatriz", "es"))
    (from_profile,) = translations(it.on_event(Message(3, "amina", b"Save the oceans")))
    assert from_profile.source_lang == "en" and from_profile.ref == "seq-3"
    (identified,) = translations(it.on_event(Message(4, "stranger", b"Hola")))
    assert (identified.source_lang, identified.lang, identified.text) == ("es", "en", "Hello")


def test_members_who_left_no_longer_count_and_own_messages_are_ignored() -> None:
    it = interpreter()
    it.on_event(profile("beatriz", "es"))
    it.on_event(profile("chloe", "fr"))
    it.on_event(RosterChanged(2, ("amina", "chloe", "interp")))
    assert it.present_languages() == ["fr"]
    own = Message(9, "interp", envelope.text("Save the oceans", "en"), own=True)
    assert it.on_event(own) == []


def test_unroutable_languages_are_counted_not_sent() -> None:
    it = interpreter()
    it.on_event(profile("li", "zh"))
    assert it.on_event(Message(3, "amina", envelope.text("Save the oceans", "en"))) == []
    assert it.stats.unroutable == 1
