"""Routes across engines and pivots, recorded in every translation."""

from __future__ import annotations

import pytest

from indaba.interpret.base import UnsupportedPair
from indaba.interpret.fakes import DictionaryTranslator
from indaba.interpret.routing import Router, shortest_routes


def test_direct_pair_has_a_two_language_route() -> None:
    engine = DictionaryTranslator({("en", "es"): {"water": "agua"}})
    result = Router([engine]).translate("water", "en", "es")
    assert (result.text, result.route, result.pivoted) == ("agua", ("en", "es"), False)


def test_pivot_through_spanish_is_recorded() -> None:
    engine = DictionaryTranslator(
        {("en", "es"): {"water": "agua"}, ("es", "fr"): {"agua": "eau"}}
    )
    result = Router([engine]).translate("water", "en", "fr")
    assert result.text == "eau"
    assert result.route == ("en", "es", "fr") and result.pivoted


def test_preferred_pivot_wins_among_equally_short_routes() -> None:
    pairs = [("en", "eo"), ("eo", "fr"), ("en", "es"), ("es", "fr")]
    assert shortest_routes(pairs, "en")["fr"] == ("en", "es", "fr")
    assert shortest_routes(pairs, "en", pivots=("eo",))["fr"] == ("en", "eo", "fr")


def test_routes_span_engines_and_name_them() -> None:
    first = DictionaryTranslator({("en", "es"): {"hi": "hola"}})
    first.name = "one"
    second = DictionaryTranslator({("es", "ru"): {"hola": "привет"}})
    second.name = "two"
    result = Router([first, second]).translate("hi", "en", "ru")
    assert (result.text, result.engine, result.route) == ("привет", "one+two", ("en", "es", "ru"))


def test_unreachable_target_lists_what_is_reachable() -> None:
    router = Router([DictionaryTranslator({("en", "es"): {}})])
    with pytest.raises(UnsupportedPair, match=r"'en' to 'zh' \(reachable: es\)"):
        router.route("en", "zh")


def test_reachable_lists_every_pair_with_its_route() -> None:
    engine = DictionaryTranslator({("en", "es"): {}, ("es", "en"): {}, ("es", "fr"): {}})
    assert Router([engine]).reachable() == {
        ("en", "es"): ("en", "es"),
        ("en", "fr"): ("en", "es", "fr"),
        ("es", "en"): ("es", "en"),
        ("es", "fr"): ("es", "fr"),
    }


def test_apertium_english_to_french_pivots_through_spanish(apertium: object) -> None:
    from indaba.interpret.apertium import ApertiumTranslator

    assert isinstance(apertium, ApertiumTranslator)
    result = Router([apertium]).translate("Clean water is a human right.", "en", "fr")
    assert result.route == ("en", "es", "fr")
    assert "eau" in result.text.lower()
