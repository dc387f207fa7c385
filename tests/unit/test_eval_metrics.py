"""The scores every bench, training run and report uses, checked against the reference
implementations (sacrebleu, jiwer) and against worked examples."""

from __future__ import annotations

import numpy as np
import pytest
import sacrebleu

from llmos.eval.metrics import (
    bleu,
    caption_scores,
    chrf,
    tokens,
    vqa_accuracy,
    vqa_answer,
    word_error_rate,
)
from llmos.eval.ranking import both_ways, first_right_ranks, scores_of_ranks

REFS = {
    "a": ["a black cat sits on the red sofa in the room", "a cat on a sofa"],
    "b": ["two dogs run across a green field of grass", "dogs running in a field"],
    "c": ["a man rides a bicycle down the busy street", "a cyclist in the street"],
}
CANDIDATES = {
    "a": "a black cat sits on a sofa in the room",
    "b": "two dogs run across the field of grass",
    "c": "a man rides a bike down the street",
}


def test_caption_bleu_4_agrees_with_sacrebleu_on_the_same_tokens():
    ours = caption_scores(CANDIDATES, REFS).bleu_4
    keys = list(CANDIDATES)
    hypotheses = [tokens(CANDIDATES[k]) for k in keys]
    references = [[tokens(REFS[k][i]) for k in keys] for i in range(2)]
    theirs = sacrebleu.corpus_bleu(hypotheses, references, tokenize="none").score / 100
    assert ours == pytest.approx(theirs, abs=1e-6)
    assert 0.3 < ours < 0.8


def test_cider_d_of_a_worked_example():
    """A candidate equal to all its references has cosine 1 and no length penalty for each n
    with n-grams: 10 x mean over n = 1..4. Three words have no 4-gram, so 10 x 3/4."""
    long = {"a": "a black cat sits on the sofa", "b": "two dogs run across a field"}
    assert caption_scores(long, {k: [v] * 3 for k, v in long.items()}).cider_d == pytest.approx(
        10.0
    )
    short = {"a": "a black cat", "b": "two dogs run"}
    scores = caption_scores(short, {k: [v] * 3 for k, v in short.items()})
    assert scores.cider_d == pytest.approx(7.5)
    assert scores.rouge_l == pytest.approx(1.0)
    disjoint = caption_scores(
        {"a": "green trees", "b": "blue sky"}, {k: [v] for k, v in long.items()}
    )
    assert disjoint.cider_d == 0.0 and disjoint.rouge_l == 0.0


def test_rouge_l_of_a_worked_example():
    """LCS "a cat on sofa" = 4 words; precision 4/5, recall 4/4; F with beta 1.2."""
    scores = caption_scores({"x": "a cat on the sofa"}, {"x": ["a cat on sofa"]})
    p, r, beta = 4 / 5, 4 / 4, 1.2
    assert scores.rouge_l == pytest.approx((1 + beta**2) * p * r / (r + beta**2 * p))


def test_translation_bleu_and_chrf_are_sacrebleu_corpus_scores():
    hypotheses = ["The cat sat on the mat.", "It is raining today in the town."]
    references = ["The cat sat on a mat.", "Today it rains in the town."]
    assert bleu(hypotheses, references) == pytest.approx(
        sacrebleu.corpus_bleu(hypotheses, [references]).score
    )
    assert chrf(hypotheses, references) == pytest.approx(
        sacrebleu.corpus_chrf(hypotheses, [references]).score
    )
    assert chrf(references, references) == pytest.approx(100.0)
    assert chrf(["xyz"], ["abc"]) == pytest.approx(0.0)
    assert bleu(["我 喜欢 猫"], ["我 喜欢 猫"], tokenize="zh") == pytest.approx(100.0)


def test_word_error_rate_counts_edits_after_normalising():
    assert word_error_rate(["The cat sat on the mat."], ["the cat, sat on the mat"]) == 0.0
    assert word_error_rate(["It starts at nine."], ["it starts at 9"]) == 0.0
    # one deletion in six words
    assert word_error_rate(["the cat sat on the mat"], ["the cat sat on mat"]) == pytest.approx(
        1 / 6
    )
    # corpus WER weights sentences by their words: (1 + 0) / (6 + 2)
    assert word_error_rate(
        ["the cat sat on the mat", "hello world"], ["the cat sat on mat", "hello world"]
    ) == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="no words"):
        word_error_rate([""], ["anything"])


def test_vqa_soft_accuracy_matches_the_official_examples():
    humans = ["2"] * 2 + ["3"] * 8
    assert vqa_accuracy("2", humans) == pytest.approx(0.6)  # two of ten humans
    assert vqa_accuracy("two", ["2"] * 3 + ["3"] * 7) == pytest.approx(0.9)
    assert vqa_accuracy("Two.", ["2"] * 4 + ["3"] * 6) == pytest.approx(1.0)
    assert vqa_accuracy("5", humans) == 0.0
    assert vqa_answer("The 1,000 Dogs!") == "1000 dogs"
    assert vqa_answer("none") == "0"
    assert vqa_accuracy("red", ["Red"]) == 1.0  # a single reference is exact match


def test_ranks_and_recall_at_k():
    similarity = np.array(
        [
            [0.9, 0.1, 0.2],  # right: item 0, ranked 1st
            [0.8, 0.3, 0.5],  # right: item 1, ranked 3rd
            [0.5, 0.5, 0.1],  # right: items 1 and 2; item 1 ties with a wrong one: 2nd
        ]
    )
    right = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1]], bool)
    assert first_right_ranks(similarity, right) == [1, 3, 2]
    scores = scores_of_ranks([1, 3, 2, None])
    assert scores.recall == {1: 0.25, 5: 0.75, 10: 0.75}
    assert scores.mrr == pytest.approx((1 + 1 / 3 + 1 / 2) / 4)
    forward, backward = both_ways(similarity, right)
    assert forward.recall[1] == pytest.approx(1 / 3)
    # item 1: its right rows score 0.3 and 0.5, the wrong one 0.1; item 2: 0.1 below 0.2, 0.5
    assert first_right_ranks(similarity.T, right.T) == [1, 1, 3]
    assert backward.queries == 3
    with pytest.raises(ValueError, match="no queries"):
        scores_of_ranks([])
