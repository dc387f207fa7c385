"""The vision check on the Tux Paint stamps: captions judged by WordNet, and questions written
from each stamp's own description and category before any answer was looked at.

Per stamp (``eval/stamps.py``: a photographic cut-out on a plain, blurred or noisy ground):
- the caption *names* the thing (WordNet synonym, kind or not-too-vague parent), names
  *something else*, or says it recognises nothing (*silent*);
- the questions, each judged right, abstained or wrong:
  "What is this?" (WordNet, as captions), "Is there a/an {thing}?" (yes), the category's own kind
  ("Is there an animal?" for animals, "Is this food?" for food, ...: yes), "Is there an animal?"
  on things that are not animals (no), "Is the background blurred?" (yes on the blurred ground,
  no on the noisy one; not asked on the plain one), "What colour is the {thing}?" when its
  description names a colour, and "Where is the {thing}?" (centre: the cut-outs are centred).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from llmos.capabilities.vision.caption import captioned
from llmos.capabilities.vision.vocabulary import with_article
from llmos.eval.stamps import StampCase
from llmos.eval.vision import Outcome, judge
from llmos.eval.wordnet import wordnet
from llmos.fusion.vision import Vision

COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black",
           "white", "grey", "gray")  # fmt: skip
KIND_QUESTIONS = {
    "animals": "Is there an animal?",
    "food": "Is this food?",
    "plants": "Is this a plant?",
    "vehicles": "Is this a vehicle?",
    "clothes": "Is this clothing?",
}
NAMES = "(names the thing)"
_ADJECTIVE_COLOUR = re.compile(
    r"\b(?:dark |light )?(?:" + "|".join((*COLOURS, "olive", "navy", "teal", "silver", "beige",
    "gold", "maroon", "dark red")) + r")(?= [a-z])", re.IGNORECASE
)  # fmt: skip  # accepted "answer" judged by WordNet, not by words
CaptionOutcome = Literal["named", "other", "silent"]


@dataclass(frozen=True)
class StampQuestion:
    question: str
    accepted: tuple[str, ...]  # or (NAMES,)
    exact: bool = False  # the whole answer must be one of ``accepted``


@dataclass(frozen=True)
class StampResult:
    name: str
    thing: str
    caption: str
    caption_outcome: CaptionOutcome
    answers: tuple[tuple[str, str, Outcome], ...]  # question, answer, outcome
    ms: float


@dataclass(frozen=True)
class StampsReport:
    stamps: int
    captions: dict[str, int]  # named / other / silent
    answers: dict[str, int]  # right / abstained / wrong
    results: list[StampResult] = field(default_factory=list)

    def share(self, kind: str) -> float:
        counts = self.captions if kind in self.captions else self.answers
        return counts[kind] / max(1, sum(counts.values()))

    def summary(self) -> str:
        """One line: the captions' and the questions' outcomes, counted and as shares."""
        c = self.captions
        return (
            f"{self.stamps} pictures: the caption names the thing in {c['named']} "
            f"({self.share('named'):.0%}), something else in {c['other']} "
            f"({self.share('other'):.0%}), nothing in {c['silent']}; "
            f"{sum(self.answers.values())} questions: right {self.share('right'):.0%}, "
            f"abstained {self.share('abstained'):.0%}, wrong {self.share('wrong'):.0%}"
        )


def questions(case: StampCase) -> tuple[StampQuestion, ...]:
    """The questions of one stamp, from its description, category and background only."""
    thing = case.thing
    asked = [
        StampQuestion("What is this?", (NAMES,)),
        StampQuestion(f"Is there {with_article(thing)}?", ("yes",)),
    ]
    category = case.name.split("/", 1)[0]
    if category in KIND_QUESTIONS:
        asked.append(StampQuestion(KIND_QUESTIONS[category], ("yes",)))
    if category != "animals":
        asked.append(StampQuestion("Is there an animal?", ("no",)))
    if case.background != "plain":
        blurred = "yes" if case.background == "blurred" else "no"
        asked.append(StampQuestion("Is the background blurred?", (blurred,)))
    colours = [c for c in COLOURS if re.search(rf"\b{c}\b", case.english.lower())]
    if len(colours) == 1:
        colour = "grey" if colours[0] == "gray" else colours[0]
        asked.append(StampQuestion(f"What colour is the {thing}?", (colour,)))
    asked.append(StampQuestion(f"Where is the {thing}?", ("at the centre",), exact=True))
    return tuple(asked)


async def evaluate_stamps(
    vision: Vision,
    cases: Iterable[StampCase],
    *,
    model: str | None = None,
    step: Callable[[str], None] = lambda _what: None,
) -> StampsReport:
    """Caption and question every stamp through ``vision``; ``step`` is called per stamp."""
    words = wordnet()
    results = []
    for case in cases:
        step(case.name)
        started = time.perf_counter()
        facts = await vision.facts(case.image, case.name)
        caption = await vision.caption(facts, model=model, picture=case.image)
        if words.names(without_colours(caption.text), case.thing):
            outcome: CaptionOutcome = "named"
        else:
            outcome = "other" if _names_anything(facts) else "silent"
        answers = []
        for q in questions(case):
            answer = await vision.answer(facts, q.question, model=model, picture=case.image)
            if q.accepted == (NAMES,) or q.exact:
                named = words.names(without_colours(answer.answer), case.thing)
                right = named if q.accepted == (NAMES,) else answer.answer in q.accepted
                said: Outcome = "abstained" if answer.abstained else "right" if right else "wrong"
            else:
                said = judge(answer, q.accepted)
            answers.append((q.question, answer.answer, said))
        ms = round((time.perf_counter() - started) * 1000, 1)
        results.append(
            StampResult(case.name, case.thing, caption.text, outcome, tuple(answers), ms)
        )
    return StampsReport(
        stamps=len(results),
        captions=_count((r.caption_outcome for r in results), ("named", "other", "silent")),
        answers=_count((a[2] for r in results for a in r.answers), ("right", "abstained", "wrong")),
        results=results,
    )


def without_colours(text: str) -> str:
    """``text`` without colour words used as adjectives ("an orange lemon" names no orange;
    "an orange" does)."""
    return _ADJECTIVE_COLOUR.sub("", text)


def _names_anything(facts) -> bool:
    """Whether the caption names a thing (text quoted from the picture names none)."""
    return bool(facts.labels or captioned(facts))


def _count(outcomes: Iterable[str], kinds: tuple[str, ...]) -> dict[str, int]:
    found = list(outcomes)
    return {kind: found.count(kind) for kind in kinds}
