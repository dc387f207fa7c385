"""The evaluation harness: COCO caption scores, OCR accuracy, answer judging, the bundled set."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from llmos.capabilities.vision.types import Answer
from llmos.eval.metrics import caption_scores, character_accuracy, tokens
from llmos.eval.vision import bundled_cases, invented_items, judge

REFS = {
    "cat": ["a cat sitting on a red sofa", "a grey cat on a sofa"],
    "cup": ["a cup of coffee on a wooden table", "an espresso in a white cup"],
}


def test_tokens_are_lower_case_words_without_punctuation():
    assert tokens("A black-and-white photo, of “Three” cats!") == (
        "a black-and-white photo of three cats"
    )


def test_caption_scores_reward_matching_captions_and_not_unrelated_ones():
    same = caption_scores({"cat": REFS["cat"][0], "cup": REFS["cup"][0]}, REFS)
    unrelated = caption_scores({"cat": "two trucks", "cup": "a mountain lake"}, REFS)
    partial = caption_scores({"cat": "a cat on a sofa", "cup": "a cup on a table"}, REFS)
    assert same.bleu_4 > 0.9 and same.cider_d > 1.0
    assert unrelated.cider_d == pytest.approx(0.0) and unrelated.bleu_4 < 1e-6
    assert unrelated.cider_d < partial.cider_d < same.cider_d


def test_caption_scores_need_captions():
    with pytest.raises(ValueError, match="no captions"):
        caption_scores({}, REFS)


def test_character_accuracy_counts_character_edits():
    assert character_accuracy("hello world", "hello  world\n") == 1.0
    assert character_accuracy("abcdefghij", "abcdefghiX") == pytest.approx(0.9)
    assert character_accuracy("abc", "") == 0.0
    assert character_accuracy("abc", "a much longer made-up line") == 0.0


def test_answers_are_right_abstained_or_wrong():
    said = Answer("a cat (tiger cat)", 0.6, "detector")
    declined = Answer("I can't tell from this image.", 0.0, "-", abstained=True)
    assert judge(said, ("cat", "kitten")) == "right"
    assert judge(Answer("a category", 0.6, "-"), ("cat",)) == "wrong"  # whole words only
    assert judge(declined, ("cat",)) == "abstained"
    assert judge(declined, ()) == "right"  # the picture cannot answer it
    assert judge(said, ()) == "wrong"
    assert judge(Answer("Region-based segmentation", 0.9, "ocr"), ("region-based segmentation",))


def test_invented_items_are_thing_words_not_in_the_picture():
    truth = frozenset({"cup", "coffee", "table"})
    assert invented_items("A cup of coffee next to a dog and two dogs.", truth) == ("dog",)
    assert invented_items("A red cup on the table.", truth) == ()


def test_the_bundled_set_has_references_questions_and_decodable_photos():
    cases = bundled_cases()
    assert len(cases) == 9
    for case in cases:
        assert len(case.captions) == 3 and case.questions
        assert Image.open(io.BytesIO(case.image)).size[0] >= 300
    assert [c.name for c in bundled_cases({"page"})] == ["page"]
    assert next(c for c in cases if c.name == "page").text.startswith("Region-based")
    with pytest.raises(ValueError, match="no such case: moon"):
        bundled_cases({"moon", "page"})
