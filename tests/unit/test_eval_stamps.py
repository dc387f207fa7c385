"""The stamps check set and the WordNet judge, on Debian's real files."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from llmos.eval.stamps import cases, head_noun
from llmos.eval.wordnet import wordnet


@pytest.fixture(scope="module")
def words():
    return wordnet()


@pytest.mark.parametrize(
    ("caption", "thing", "names"),
    [
        ("A mare in a field.", "horse", True),  # a kind of horse
        ("An animal on the grass.", "kangaroo", True),  # a kind of thing it is
        ("Two kangaroos.", "kangaroo", True),
        ("A teddy bear on a chair.", "teddy bear", True),
        ("A red car.", "kangaroo", False),
        ("An object.", "kangaroo", False),  # too vague to count
        ("A person.", "kangaroo", False),
    ],
)
def test_a_caption_names_a_thing_by_wordnet(words, caption, thing, names):
    assert words.names(caption, thing) is names


@pytest.mark.parametrize(
    ("english", "noun"),
    [
        ("A red kangaroo.", "kangaroo"),
        ("Tankers carry bulk liquids.", "tanker"),
        ("A slice of pizza.", "pizza"),
        ("A teddy bear.", "teddy bear"),
        ("An albino peahen (a female peafowl, or peacock).", "peahen"),
    ],
)
def test_a_description_is_about_its_head_noun(words, english, noun):
    assert head_noun(english, words) == noun


def test_the_check_set_is_photographs_of_things_apart_from_the_tuning_set():
    check = list(itertools.islice(cases("check", backgrounds=("plain", "blurred")), 40))
    assert len(check) == 40 and {c.background for c in check} == {"plain", "blurred"}
    with Image.open(io.BytesIO(check[0].image)) as image:
        assert image.size == (512, 512)
    tune = {c.english for c in itertools.islice(cases("tune", backgrounds=("plain",)), 40)}
    assert tune and not tune & {c.english for c in check}
    assert not any(c.name.startswith("symbols") for c in check)
