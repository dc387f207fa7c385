"""ImageNet labels summed up WordNet: parents, hedged labels, "is a"."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from llmos.capabilities.vision.answer import route
from llmos.capabilities.vision.caption import template
from llmos.capabilities.vision.facts import agreeing_objects, assemble, gate_labels
from llmos.capabilities.vision.hierarchy import TOO_GENERAL, imagenet_hierarchy
from llmos.capabilities.vision.types import Box, DetectedObject, Label, Photo, Subject

LABELS = (
    resources.files("llmos.capabilities.vision").joinpath("data/imagenet_labels.txt").read_text()
).splitlines()


def probs(**weights: float) -> np.ndarray:
    """A classifier output with ``weights`` on the named classes (underscores for spaces)."""
    out = np.zeros(1000, dtype=np.float32)
    for name, weight in weights.items():
        out[LABELS.index(name.replace("_", " "))] = weight
    return out


@pytest.fixture(scope="module")
def tree():
    return imagenet_hierarchy()


def test_every_class_is_a_node_and_a_node_is_as_likely_as_its_classes(tree):
    assert len(tree.classes) == 1000 and len(set(tree.classes)) == 1000
    p = np.random.default_rng(0).dirichlet(np.ones(1000)).astype(np.float32)
    nodes = tree.probabilities(p)
    assert nodes[tree.index("entity")] == pytest.approx(1.0, abs=1e-4)
    for name in ("dog", "flower", "clothing", "vehicle", "food"):
        i = tree.index(name)
        assert nodes[i] == pytest.approx(float(p[tree.below[i]].sum()), rel=1e-5)


def test_a_parent_is_the_sum_of_its_children_where_wordnet_is_a_tree(tree):
    p = probs(tabby=0.3, tiger_cat=0.2, Egyptian_cat=0.1, Persian_cat=0.05, Siamese_cat=0.05)
    nodes = tree.probabilities(p)
    cat = tree.index("domestic cat")
    children = [i for i in range(len(tree.ids)) if cat in tree.ancestors[i]]
    assert sorted(tree.names[i] for i in children) == [
        "Egyptian cat", "Persian cat", "Siamese cat", "tabby", "tiger cat"
    ]  # fmt: skip
    assert nodes[cat] == pytest.approx(sum(nodes[i] for i in children)) == pytest.approx(0.7)


def test_an_unsure_flower_is_a_flower_and_a_sure_tabby_is_a_tabby(tree):
    unsure = np.full(1000, 0.6 / 998, dtype=np.float32)  # a flat rest over every other class
    for name in ("daisy", "yellow lady's slipper"):  # ImageNet's only flowers
        unsure[LABELS.index(name)] = 0.2
    names = [node.name for node in tree.hedged(unsure, confidence=0.3)]
    assert names == ["flower"]
    assert tree.probability_of(unsure, "flower") == pytest.approx(0.4)
    sure = probs(tabby=0.8, tiger_cat=0.1)
    assert [node.name for node in tree.hedged(sure, confidence=0.5)] == ["tabby"]


def test_a_portraits_clothing_labels_under_the_old_gate_still_say_clothing(tree):
    portrait = probs(academic_gown=0.24, mortarboard=0.21, military_uniform=0.18)
    assert all(portrait[i] < 0.25 for i in np.flatnonzero(portrait))  # each under the old gate
    hedged = tree.hedged(portrait, confidence=0.4)
    assert [node.name for node in hedged] == ["clothing"]
    assert hedged[0].probability == pytest.approx(0.63)


def test_a_building_is_certain_when_its_kinds_together_are(tree):
    tower = probs(palace=0.32, monastery=0.1, castle=0.08, bell_cote=0.05, church=0.05)
    assert tree.probability_of(tower, "building") == pytest.approx(0.47)
    assert [node.name for node in tree.hedged(tower, confidence=0.45)] == ["building"]


def test_nothing_too_general_is_reported_and_is_a_follows_wordnet(tree):
    anything = probs(tabby=0.2, pizza=0.2, sports_car=0.2, daisy=0.2, mortarboard=0.2)
    assert not {n.name for n in tree.hedged(anything, confidence=0.3)} & TOO_GENERAL
    assert tree.is_a("tabby", "animal") and tree.is_a("pizza", "food")
    assert tree.is_a("mortarboard", "clothing") and tree.is_a("daisy", "flower")
    assert not tree.is_a("pizza", "animal") and not tree.is_a("unknown thing", "animal")


def test_facts_label_an_unsure_flower_as_a_flower_and_keep_the_kinds(tree):
    unsure = probs(daisy=0.4, pot=0.05, cardoon=0.05)
    unsure[LABELS.index("yellow lady's slipper")] = 0.35
    labels, kinds = gate_labels(unsure)
    assert [label.name for label in labels] == ["flower"]
    assert "plant" in labels[0].kinds and "daisy" not in kinds
    assert kinds["flower"] == pytest.approx(0.75, abs=1e-3)


def test_a_portrait_in_a_gown_is_a_person_wearing_clothing():
    portrait = probs(academic_gown=0.24, mortarboard=0.21, military_uniform=0.18)
    labels, kinds = gate_labels(portrait)
    assert labels == () and kinds["clothing"] == pytest.approx(0.63, abs=1e-3)
    photo = Photo(width=640, height=480, grayscale=False, brightness=0.5, colours=())
    person = (DetectedObject("person", 0.9, Box(200, 40, 240, 440)),)
    facts = assemble(photo, (labels, kinds), person, [], (), None, {})
    assert template(facts) == "A photo of a person wearing clothing."
    assert route("What is she wearing?", facts).answer == "clothing"


def test_a_detection_that_a_sure_animal_label_contradicts_on_the_subject_is_dropped():
    frog = (Label("tailed frog", 0.82, ("frog", "amphibian", "animal")),)
    subject = Subject(Box(100, 100, 300, 300), 0.3, ("green",), ("grey",), 80.0, 1.0,
                      "blurred", "centre")  # fmt: skip
    cake = DetectedObject("cake", 0.7, Box(110, 90, 290, 310))
    person = DetectedObject("person", 0.7, Box(110, 90, 290, 310))
    elsewhere = DetectedObject("cake", 0.7, Box(500, 0, 60, 60))
    kept = agreeing_objects((cake, person, elsewhere), frog, subject)
    assert kept == (person, elsewhere)
    pizza = (Label("pizza", 0.9, ("dish", "food")),)  # a dish in a bowl is no contradiction
    bowl = DetectedObject("bowl", 0.7, Box(110, 90, 290, 310))
    assert agreeing_objects((bowl,), pizza, subject) == (bowl,)
    assert agreeing_objects((cake,), frog, None) == (cake,)
