"""WordNet 3.0 nouns from Debian's ``wordnet-base``, to judge whether a caption names a thing:
"a mare" names a horse, "an animal" names a kangaroo's parent.

Read at evaluation time only (``apt-get install wordnet-base``; the setup installs it), never by
the server. Princeton's licence: /usr/share/doc/wordnet-base/copyright.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path("/usr/share/wordnet")
INSTALL = "apt-get install wordnet-base"
# too general to count as naming a thing ("an object" names everything)
# fmt: off
VAGUE = frozenset({"entity", "physical_entity", "object", "whole", "thing", "artifact",
                   "artefact", "living_thing", "organism", "unit", "matter", "substance",
                   "abstraction", "part", "item"})
# fmt: on


@dataclass(frozen=True)
class WordNet:
    senses: dict[str, tuple[str, ...]]  # lemma (lower case, "_" for spaces) -> synset offsets
    lemmas: dict[str, tuple[str, ...]]  # synset offset -> its lemmas
    parents: dict[str, tuple[str, ...]]  # synset offset -> hypernym offsets

    def above(self, word: str) -> set[str]:
        """Every synset of ``word`` and all their hypernyms."""
        todo = list(self.senses.get(_lemma(word), ()))
        seen: set[str] = set()
        while todo:
            synset = todo.pop()
            if synset not in seen:
                seen.add(synset)
                todo += self.parents.get(synset, ())
        return seen

    def names(self, text: str, thing: str) -> bool:
        """Whether ``text`` names ``thing``: a synonym, a kind of thing it is ("an animal" for
        a kangaroo; not too vague a one) or a kind of it ("a mare" for a horse). The words of
        ``text`` and their pairs are looked up as lemmas."""
        wanted, own = self.above(thing), set(self.senses.get(_lemma(thing), ()))
        for word in _words(text):
            if word in VAGUE or word not in self.senses:
                continue
            if set(self.senses[word]) & wanted or self.above(word) & own:
                return True
        return False

    def lemma_of(self, word: str) -> str | None:
        """``word`` as WordNet lists it (plurals made singular), or None."""
        for candidate in (_lemma(word), *_singulars(_lemma(word))):
            if candidate in self.senses:
                return candidate
        return None


@cache
def wordnet(folder: Path = FOLDER) -> WordNet:
    if not (folder / "data.noun").is_file():
        raise FileNotFoundError(f"WordNet is missing; install it with: {INSTALL}")
    senses: dict[str, tuple[str, ...]] = {}
    for line in (folder / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split()
        count = int(fields[2])
        senses[fields[0]] = tuple(fields[-count:])
    lemmas: dict[str, tuple[str, ...]] = {}
    parents: dict[str, tuple[str, ...]] = {}
    for line in (folder / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split(" ")
        count = int(fields[3], 16)
        lemmas[fields[0]] = tuple(fields[4 + 2 * i].lower() for i in range(count))
        at = 4 + 2 * count
        pointers = int(fields[at])
        parents[fields[0]] = tuple(
            fields[at + 2 + 4 * i]
            for i in range(pointers)
            if fields[at + 1 + 4 * i] in ("@", "@i") and fields[at + 3 + 4 * i] == "n"
        )
    return WordNet(senses, lemmas, parents)


def _lemma(word: str) -> str:
    return "_".join(word.lower().split())


def _singulars(word: str) -> list[str]:
    forms = []
    for plural, singular in (("ies", "y"), ("ves", "f"), ("es", ""), ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 2:
            forms.append(word[: -len(plural)] + singular)
    return forms


def _words(text: str) -> list[str]:
    """The lower-case words of ``text``, their singulars, and each pair of neighbours joined
    (WordNet writes "teddy bear" as teddy_bear)."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())
    found = []
    for word in words:
        found += [word, *_singulars(word)]
    for first, second in itertools.pairwise(words):
        pair = f"{first}_{second}"
        found += [pair, *_singulars(pair)]
    return found
