"""Captions: a template over the gated facts, which the LLM may only rephrase.

The LLM's wording is kept only if every thing-word in it is supported by the facts; otherwise the
template itself is the caption. :func:`unsupported_nouns` is also the evaluation's hallucination
count.
"""

from __future__ import annotations

from llmos.capabilities.vision import vocabulary
from llmos.capabilities.vision.facts import LABEL_SCORE
from llmos.capabilities.vision.hierarchy import imagenet_hierarchy
from llmos.capabilities.vision.types import DetectedObject, VisualFacts

CAPTION_OBJECT_SCORE = 0.5  # a detection the classifier's label agrees with
# a detection no label agrees with: on the tuning stamps, with no confident label, the
# detector's box named the thing as often as something else up to 0.8, and 10 to 4 at 0.85
LONE_OBJECT_SCORE = 0.85
PAGE_LINES = 3
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# person words the captions may use; gender and age are never claimed
_PERSON_WORDS = {"person", "people", "someone", "figure", "human"}

REPHRASE_SYSTEM = (
    "You turn a plain description of a photo into one short, natural caption. "
    "Keep every thing it names; add no object, place, person, colour or word of text it "
    "does not name. One sentence, no more than 20 words."
)
REPHRASE_EXAMPLES = (
    ("A photo of a white cup, which looks like espresso.", "A white cup of espresso."),
    (
        "A black-and-white photo of a person and a tripod.",
        "A black-and-white photo of a person next to a tripod.",
    ),
)


def template(facts: VisualFacts) -> str:
    """A plain, true sentence built from the facts alone."""
    lead = "A black-and-white photo of" if facts.photo.grayscale else "A photo of"
    counts: dict[str, int] = {}
    colour_of: dict[str, str] = {}
    for found in captioned(facts):
        counts[found.label] = counts.get(found.label, 0) + 1
        if found.colours and found.label not in colour_of:
            colour_of[found.label] = found.colours[0]
    things = [_counted(label, n, colour_of.get(label)) for label, n in counts.items()]
    label = facts.labels[0] if facts.labels else None
    if label is not None:
        tree = imagenet_hierarchy()
        implied = (c for c in vocabulary.CONCEPTS.get(label.name, ()) if c in counts)
        kind = tree.coco_kind(label.name) or next(implied, None)  # a tabby: a cat; espresso: a cup
        if kind in counts and tree.is_class(label.name):
            things[list(counts).index(kind)] += (
                f", which looks like {vocabulary.with_article(label.name)}"
            )
        elif "person" in counts and vocabulary.is_worn(label.name):
            pass  # said with the person below
        elif not any(tree.related(label.name, found) for found in counts):
            things.append(vocabulary.with_article(_coloured(label.name, facts)))
    if "person" in counts and (clothes := worn(facts)):
        things[list(counts).index("person")] += f" wearing {vocabulary.some(clothes)}"
    words = [line.text for line in facts.text if len(line.text) >= 4]
    quoted = " / ".join(words)
    quoted = quoted if len(quoted) <= 60 else quoted[:57].rsplit(" ", 1)[0] + "..."
    page = not things and is_page(facts)
    if page:
        things.append("a page of text")
    elif not things and words:  # a sign, a label: the text is all that is known
        return f"{lead.removesuffix(' of')} with the text “{quoted}”."
    elif not things:
        colour = f"mostly {facts.photo.colours[0]} " if facts.photo.colours else ""
        return f"A {colour}photo; llmos's experts recognise nothing in it."
    sentence = f"{lead} {_join(things)}"
    if facts.concepts and "water" in facts.concepts:
        sentence += " by the water"
    if words:
        sentence += f", which begins “{quoted}”" if page else f", with the text “{quoted}”"
    return sentence + "."


def worn(facts: VisualFacts) -> str | None:
    """The most specific worn thing the classifier is sure of: a label ("mortarboard"), else a
    kind ("clothing"), or None."""
    found = [label.name for label in facts.labels if vocabulary.is_worn(label.name)]
    found += [kind for kind in reversed(list(facts.kinds)) if vocabulary.is_worn(kind)]
    return found[0] if found else None


def supported_words(facts: VisualFacts) -> set[str]:
    """Thing-words the facts back up."""
    sure = [kind for kind, p in facts.kinds.items() if p >= LABEL_SCORE]
    phrases: list[str] = [*facts.concepts, *sure, worn(facts) or ""]
    tree = imagenet_hierarchy()
    for label in facts.labels:
        phrases += [label.name, *label.kinds, tree.coco_kind(label.name) or ""]
        for sense in tree.senses(label.name):
            phrases += tree.lemmas[sense]
    if facts.subject is not None:
        phrases += [*facts.subject.colours, *facts.subject.background_colours]
    for found in facts.objects:
        phrases.append(found.label)
        phrases += found.colours
        phrases += vocabulary.broader(found.label)
        if found.label == "person":
            phrases += _PERSON_WORDS
        else:
            phrases += [w for w, target in vocabulary.SYNONYMS.items() if target == found.label]
    phrases += facts.photo.colours
    phrases += [line.text for line in facts.text]
    if is_page(facts):
        phrases += ["page of text", "document"]
    return {word for phrase in phrases for word in vocabulary.words_of(phrase)}


def captioned(facts: VisualFacts) -> list[DetectedObject]:
    """The detections a caption names, from CAPTION_OBJECT_SCORE: of the class the label is a
    kind of ("tabby": cat; "mammal" confirms no "cow") or implies ("espresso": cup), and of those
    with one box at least LONE_OBJECT_SCORE."""
    tree = imagenet_hierarchy()
    label = facts.labels[0].name if facts.labels else None
    kinds = {found.label for found in facts.objects if found.score >= LONE_OBJECT_SCORE}
    if label is not None:
        implied = vocabulary.CONCEPTS.get(label, ())  # espresso: in a cup
        kinds |= {
            o.label for o in facts.objects if tree.kind_of(label, o.label) or o.label in implied
        }
    return [o for o in facts.objects if o.label in kinds and o.score >= CAPTION_OBJECT_SCORE]


def names_something(facts: VisualFacts) -> bool:
    """Whether the template names anything (else there is nothing for the LLM to reword)."""
    confident = bool(captioned(facts))
    return confident or bool(facts.labels) or any(len(x.text) >= 4 for x in facts.text)


def is_page(facts: VisualFacts) -> bool:
    """Mostly text: three or more legible lines."""
    return len(facts.text) >= PAGE_LINES


def unsupported_nouns(text: str, facts: VisualFacts) -> tuple[str, ...]:
    """Thing-words in ``text`` that the facts do not support (invented content)."""
    supported = supported_words(facts)
    nouns = vocabulary.content_nouns()
    found = [w for w in vocabulary.words_of(text) if w in nouns and w not in supported]
    return tuple(dict.fromkeys(found))


def rephrase_request(sentence: str) -> dict:
    messages = [{"role": "system", "content": REPHRASE_SYSTEM}]
    for plain, caption in REPHRASE_EXAMPLES:
        messages += [{"role": "user", "content": plain}, {"role": "assistant", "content": caption}]
    messages.append({"role": "user", "content": sentence})
    return {"messages": messages, "max_tokens": 48, "temperature": 0, "seed": 0}


def _coloured(name: str, facts: VisualFacts) -> str:
    """ "orange flower": the label with its subject's main colour, when only one thing was seen
    and its colours are not a person's."""
    subject = facts.subject
    if subject is None or not subject.colours or facts.objects:
        return name
    return f"{subject.colours[0]} {name}"


def _counted(label: str, n: int, colour: str | None) -> str:
    noun = label if n == 1 else _plural(label)
    if colour and n == 1:
        noun = f"{colour} {noun}"
    return (
        vocabulary.with_article(noun)
        if n == 1
        else f"{_NUMBERS[n] if n < len(_NUMBERS) else n} {noun}"
    )


def _plural(noun: str) -> str:
    if noun == "person":
        return "people"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def _join(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]
