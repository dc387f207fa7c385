"""``llmos eval vision``: captions, answers and OCR scored on the bundled photos.

n-gram scores reward a caption for naming what the references name, even when the experts never
saw it, so every caption is also checked for *invented items*: thing-words it names that are not
truly in the picture (the references and the case's ``present`` list are the truth). Answers are
split into right, abstained (declined on an answerable question) and wrong (confidently answered,
or answered a question the picture cannot settle).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from llmos.capabilities.vision import answer as vqa
from llmos.capabilities.vision import vocabulary
from llmos.capabilities.vision.types import Answer, VisualFacts
from llmos.eval.metrics import CaptionScores, caption_scores, character_accuracy
from llmos.fusion.vision import Vision

OCR_MIN_SCORE = 0.5  # as `llmos ocr` reads
Outcome = Literal["right", "abstained", "wrong"]


@dataclass(frozen=True)
class Question:
    question: str
    answers: tuple[str, ...]  # accepted answers; empty when the picture cannot answer it


@dataclass(frozen=True)
class Case:
    name: str
    image: bytes
    captions: tuple[str, ...]
    present: frozenset[str]  # thing-words truly in the picture (lemmas)
    questions: tuple[Question, ...]
    text: str | None = None  # the exact transcript, for OCR


@dataclass(frozen=True)
class CaptionResult:
    name: str
    caption: str
    source: str  # "llm" or "template"
    template: str
    invented: tuple[str, ...]  # thing-words not truly in the picture
    rejected: tuple[str, ...]  # words the LLM wrote that no expert saw (its wording was dropped)
    ms: float


@dataclass(frozen=True)
class AnswerResult:
    name: str
    question: str
    answer: str
    accepted: tuple[str, ...]
    outcome: Outcome
    evidence: str
    # settled in code from an expert, worded by the LLM, or said by a model that sees
    by: Literal["expert", "llm", "model"]
    ms: float


@dataclass(frozen=True)
class OcrResult:
    name: str
    character_accuracy: float
    text: str


@dataclass(frozen=True)
class VisionReport:
    images: int
    captions: CaptionScores
    template_captions: CaptionScores  # the same metrics for the facts template alone
    invented_per_caption: float
    llm_rewordings_rejected: int
    answers: dict[str, int]  # right / abstained / wrong
    ocr_character_accuracy: float | None  # None when no case has a transcript
    expert_ms: dict[str, float]  # median per image
    caption_ms: float | None  # median, LLM included
    answer_ms: dict[str, float]  # median, by who settled it ("expert", "llm", "model")
    caption_results: list[CaptionResult] = field(default_factory=list)
    answer_results: list[AnswerResult] = field(default_factory=list)
    ocr_results: list[OcrResult] = field(default_factory=list)

    @property
    def wrong_share(self) -> float:
        return self.answers["wrong"] / max(1, sum(self.answers.values()))


def bundled_cases(only: set[str] | None = None) -> list[Case]:
    """The bundled set (scikit-image photos, our references); ``only`` picks cases by name."""
    folder = resources.files("llmos.eval") / "data" / "vision"
    spec = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
    names = [entry["name"] for entry in spec["images"]]
    unknown = (only or set()) - set(names)
    if unknown:
        raise ValueError(f"no such case: {', '.join(sorted(unknown))} (have {', '.join(names)})")
    cases = []
    for entry in spec["images"]:
        if only and entry["name"] not in only:
            continue
        truth = {w for phrase in entry["present"] for w in vocabulary.words_of(phrase)}
        truth |= {w for caption in entry["captions"] for w in vocabulary.words_of(caption)}
        cases.append(
            Case(
                name=entry["name"],
                image=(folder / entry["file"]).read_bytes(),
                captions=tuple(entry["captions"]),
                present=frozenset(truth),
                questions=tuple(
                    Question(q["question"], tuple(q["answers"])) for q in entry["questions"]
                ),
                text=entry.get("text"),
            )
        )
    return cases


def invented_items(caption: str, truth: frozenset[str]) -> tuple[str, ...]:
    """Thing-words in ``caption`` that are not truly in the picture."""
    nouns = vocabulary.content_nouns()
    found = [w for w in vocabulary.words_of(caption) if w in nouns and w not in truth]
    return tuple(dict.fromkeys(found))


def judge(answer: Answer, accepted: tuple[str, ...]) -> Outcome:
    if not accepted:
        return "right" if answer.abstained else "wrong"
    if answer.abstained:
        return "abstained"
    said = _plain(answer.answer)
    hit = any(re.search(rf"(?<!\w){re.escape(_plain(a))}(?!\w)", said) for a in accepted)
    return "right" if hit else "wrong"


def step_count(cases: list[Case]) -> int:
    """How many times :func:`evaluate` calls ``step`` for ``cases``."""
    return sum(2 + len(case.questions) + (case.text is not None) for case in cases)


async def evaluate(
    vision: Vision,
    cases: list[Case],
    *,
    model: str | None = None,
    step: Callable[[str], None] = lambda _what: None,
) -> VisionReport:
    """Run every case through ``vision`` (experts, captions, answers, OCR) and score it.
    ``step`` is called before each unit of work (:func:`step_count` times), with what it is,
    for a progress display."""
    captions: list[CaptionResult] = []
    answers: list[AnswerResult] = []
    ocr: list[OcrResult] = []
    expert_ms: dict[str, list[float]] = {}
    for case in cases:
        step(f"{case.name}: experts")
        facts = await vision.facts(case.image, case.name)
        for expert, ms in facts.timings_ms.items():
            expert_ms.setdefault(expert, []).append(ms)
        step(f"{case.name}: caption")
        started = time.perf_counter()
        caption = await vision.caption(facts, model=model, picture=case.image)
        captions.append(
            CaptionResult(
                case.name,
                caption.text,
                caption.source,
                caption.template,
                invented_items(caption.text, case.present),
                caption.unsupported,
                _ms_since(started),
            )
        )
        for q in case.questions:
            step(f"{case.name}: {q.question}")
            by = _answered_by(vision, model, q.question, facts)
            started = time.perf_counter()
            answer = await vision.answer(facts, q.question, model=model, picture=case.image)
            answers.append(
                AnswerResult(
                    case.name,
                    q.question,
                    answer.answer,
                    q.answers,
                    judge(answer, q.answers),
                    answer.evidence,
                    by,
                    _ms_since(started),
                )
            )
        if case.text is not None:
            step(f"{case.name}: OCR")
            async with vision.image(case.image, case.name) as image:
                lines = await vision.read_text(image, min_score=OCR_MIN_SCORE)
            read = "\n".join(line.text for line in lines)
            ocr.append(OcrResult(case.name, character_accuracy(case.text, read), read))
    return _report(cases, captions, answers, ocr, expert_ms)


def _report(cases, captions, answers, ocr, expert_ms) -> VisionReport:
    references = {case.name: case.captions for case in cases}
    outcomes = {kind: sum(a.outcome == kind for a in answers) for kind in ("right", "abstained")}
    outcomes["wrong"] = len(answers) - sum(outcomes.values())
    return VisionReport(
        images=len(cases),
        captions=caption_scores({c.name: c.caption for c in captions}, references),
        template_captions=caption_scores({c.name: c.template for c in captions}, references),
        invented_per_caption=sum(len(c.invented) for c in captions) / max(1, len(captions)),
        llm_rewordings_rejected=sum(bool(c.rejected) for c in captions),
        answers=outcomes,
        ocr_character_accuracy=(
            statistics.fmean(r.character_accuracy for r in ocr) if ocr else None
        ),
        expert_ms={name: round(statistics.median(ms), 1) for name, ms in expert_ms.items()},
        caption_ms=_median(c.ms for c in captions),
        answer_ms={
            by: _median(a.ms for a in answers if a.by == by)
            for by in ("expert", "llm", "model")
            if any(a.by == by for a in answers)
        },
        caption_results=captions,
        answer_results=answers,
        ocr_results=ocr,
    )


def _answered_by(
    vision: Vision, model: str | None, question: str, facts: VisualFacts
) -> Literal["expert", "llm", "model"]:
    if vision.sees(model):
        return "expert" if vqa.refused(question) else "model"
    return "expert" if vqa.route(question, facts) is not None else "llm"


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _median(values) -> float | None:
    values = list(values)
    return round(statistics.median(values), 1) if values else None
