"""ImageNet labels through the WordNet hierarchy: a parent is as likely as its classes together.

The classifier spreads its belief over 1000 leaf classes; a flower that is not a daisy puts a
little on each flower and plant class and none confidently. Summed up WordNet's hypernyms, that
belief says "a flower" with confidence, while "a daisy" was a guess. ``hedged`` reports, as Deng
et al. (Hedging Your Bets, CVPR 2012) propose, the most specific nodes that are confident.

The tree is data (``data/imagenet_hierarchy.json``, written by
``scripts/make_imagenet_hierarchy.py`` from WordNet 3.0); WordNet is a graph, so a class counts
once for each of its ancestors however many paths lead there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

# Nodes too general to say anything to a person ("an object", "a whole"); they are still
# summed, so a question "is it an animal?" can be answered.
TOO_GENERAL = frozenset(
    {
        "entity", "physical entity", "object", "whole", "artifact", "organism", "living thing",
        "instrumentality", "chordate", "placental", "device", "container", "covering",
        "conveyance", "commodity", "consumer goods", "structure", "matter", "equipment",
        "implement", "instrument", "substance", "solid", "protective covering", "diapsid",
        "craft", "abstraction", "psychological feature", "event", "act", "natural object",
        "geological formation", "part", "relation", "attribute", "communication", "measure",
        "group", "collection", "system", "creation", "product", "decoration", "surface",
        "material", "restraint", "support", "mechanism", "article", "way", "sheet", "fabric",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Node:
    index: int  # in the hierarchy's nodes
    id: str  # WordNet synset, e.g. "n11939491"
    name: str  # its first lemma, e.g. "flower"
    probability: float
    classes: int  # how many ImageNet classes lie beneath it (1 for a class itself)


@dataclass(frozen=True)
class Hierarchy:
    ids: tuple[str, ...]  # every node: classes and their hypernyms
    names: tuple[str, ...]
    lemmas: tuple[tuple[str, ...], ...]
    below: np.ndarray  # (nodes, 1000) bool: class j lies beneath node i (or is it)
    classes: tuple[int, ...]  # node index of each output class
    ancestors: tuple[frozenset[int], ...]  # every node above each node in WordNet
    coco: dict[str, int]  # the detector's 80 classes' nodes
    _by_name: dict[str, list[int]] = field(init=False, repr=False, compare=False)
    _by_lemma: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def probabilities(self, probs: np.ndarray) -> np.ndarray:
        """Each node's probability: the sum of its classes' probabilities. (nodes,)"""
        return self.below.astype(np.float32) @ probs.astype(np.float32)

    def hedged(self, probs: np.ndarray, *, confidence: float, most: int = 3) -> list[Node]:
        """The most specific nodes at least ``confidence`` likely, surest first: none of them
        has a confident node beneath it, and none is too general to tell a person."""
        node_probs = self.probabilities(probs)
        confident = [
            i for i in np.flatnonzero(node_probs >= confidence) if self.names[i] not in TOO_GENERAL
        ]
        chosen = [
            i for i in confident if not any(j != i and self._beneath(j, i) for j in confident)
        ]
        chosen.sort(key=lambda i: (-node_probs[i], int(self.below[i].sum())))
        return [self._node(i, node_probs) for i in chosen[:most]]

    def confident(self, probs: np.ndarray, *, confidence: float) -> dict[str, float]:
        """Every node at least ``confidence`` likely, by name, widest first ("entity" ...
        "animal" ... "tabby"); of two senses with one name, the likelier."""
        node_probs = self.probabilities(probs)
        found: dict[str, float] = {}
        sure = sorted(np.flatnonzero(node_probs >= confidence), key=lambda i: -self.below[i].sum())
        for i in sure:
            name, p = self.names[i], round(float(node_probs[i]), 3)
            found[name] = max(found.get(name, 0.0), p)
        return found

    def kinds_of(self, index: int) -> tuple[str, ...]:
        """The broader nodes of node ``index`` a person would say, nearest first."""
        above = sorted(self.ancestors[index], key=lambda i: int(self.below[i].sum()))
        names = (self.names[i] for i in above if self.names[i] not in TOO_GENERAL)
        return tuple(dict.fromkeys(n for n in names if n != self.names[index]))

    def is_a(self, node: str, ancestor: str) -> bool:
        """Whether some sense of ``node`` lies beneath (or is) some sense of ``ancestor``
        (WordNet has two "food" synsets: the dishes and the solid food)."""
        return any(self._beneath(a, b) for a in self.senses(node) for b in self.senses(ancestor))

    def is_class(self, name: str) -> bool:
        """Whether ``name`` is one of the classifier's own classes ("tabby", not "cat")."""
        return any(i in self.classes for i in self.senses(name))

    def coco_kind(self, name: str) -> str | None:
        """The detector class that node ``name`` is a kind of ("tabby" -> "cat"), or None."""
        senses = self.senses(name)
        kinds = [(len(self.ancestors[n]), c) for c, n in self.coco.items()
                 if any(self._beneath(s, n) for s in senses)]  # fmt: skip
        return max(kinds)[1] if kinds else None

    def kind_of(self, name: str, coco: str) -> bool:
        """Whether node ``name`` is the detector class ``coco`` or a kind of it ("tabby" of
        "cat"; not "mammal" of "cow")."""
        node = self.coco.get(coco)
        return node is not None and any(self._beneath(s, node) for s in self.senses(name))

    def related(self, name: str, coco: str) -> bool:
        """Whether node ``name`` and the detector class ``coco`` can name one thing: one is a
        kind of the other ("tabby" and "cat", "ungulate" and "giraffe")."""
        node = self.coco.get(coco)
        return node is not None and any(
            self._beneath(s, node) or self._beneath(node, s) for s in self.senses(name)
        )

    def probability_of(self, probs: np.ndarray, name: str) -> float:
        """How likely any sense of ``name`` is: the classes beneath them all, each once."""
        senses = self.senses(name)
        if not senses:
            return 0.0
        return float(probs[self.below[senses].any(axis=0)].sum())

    def senses(self, name: str) -> list[int]:
        """The nodes a word names: by their first lemma, else by any lemma."""
        word = name.strip().lower()
        return list(self._by_name.get(word) or self._by_lemma.get(word, ()))

    def __post_init__(self) -> None:
        # word -> nodes, in node order, so senses() is a lookup (captions and answers ask it
        # hundreds of times)
        by_name: dict[str, list[int]] = {}
        by_lemma: dict[str, list[int]] = {}
        for i, (name, lemmas) in enumerate(zip(self.names, self.lemmas, strict=True)):
            by_name.setdefault(name.lower(), []).append(i)
            for lemma in dict.fromkeys(x.lower() for x in lemmas):
                by_lemma.setdefault(lemma, []).append(i)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_lemma", by_lemma)

    def index(self, name: str) -> int | None:
        """The widest node ``name`` names, or None."""
        found = self.senses(name)
        return max(found, key=lambda i: int(self.below[i].sum())) if found else None

    def _beneath(self, child: int, parent: int) -> bool:
        """``child`` is ``parent`` or one of its hyponyms in WordNet."""
        return child == parent or parent in self.ancestors[child]

    def _node(self, i: int, node_probs: np.ndarray) -> Node:
        return Node(i, self.ids[i], self.names[i], float(node_probs[i]), int(self.below[i].sum()))


@cache
def imagenet_hierarchy() -> Hierarchy:
    """The ImageNet-1k tree, read once."""
    text = resources.files(__package__).joinpath("data/imagenet_hierarchy.json").read_text()
    data = json.loads(text)
    ids = tuple(data["nodes"])
    position = {synset: i for i, synset in enumerate(ids)}
    below = np.zeros((len(ids), len(data["classes"])), dtype=bool)
    for j, synset in enumerate(data["classes"]):
        todo, seen = [synset], set()
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                below[position[node], j] = True
                todo += data["nodes"][node]["parents"]
    nodes = data["nodes"]
    ancestors = []
    for synset in ids:
        todo, seen = list(nodes[synset]["parents"]), set()
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += nodes[node]["parents"]
        ancestors.append(frozenset(position[node] for node in seen))
    return Hierarchy(
        ids=ids,
        names=tuple(nodes[i]["name"] for i in ids),
        lemmas=tuple(tuple(nodes[i]["lemmas"]) for i in ids),
        below=below,
        classes=tuple(position[synset] for synset in data["classes"]),
        ancestors=tuple(ancestors),
        coco={label: position[synset] for label, synset in data["coco"].items()},
    )
