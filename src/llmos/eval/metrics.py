"""Scores of generated text against references: the one place llmos's benches, training and
serving score with.

Captions use the COCO caption toolkit's own scorers (``pycocoevalcap``: its CIDEr is CIDEr-D,
with the length penalty and clipping, times 10; ROUGE-L with beta 1.2), so the numbers compare
with published ones; text is tokenised the way its PTB tokenizer leaves it (lower case, no
punctuation). Translations use ``sacrebleu`` (BLEU-4 and chrF, the WMT signatures), speech and
OCR ``jiwer``, answers the VQA challenge's soft accuracy.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from llmos.errors import MissingExtra, install_extra


@dataclass(frozen=True)
class CaptionScores:
    cider_d: float
    bleu_4: float
    bleu_1: float  # unigram precision with the brevity penalty: BLEU-4 is ~0 for short captions
    rouge_l: float


def tokens(text: str) -> str:
    """Lower-case words and numbers, space-separated, as the COCO scorers expect."""
    return " ".join(re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text.lower()))


def caption_scores(
    candidates: Mapping[str, str], references: Mapping[str, Sequence[str]]
) -> CaptionScores:
    """Corpus CIDEr-D, BLEU-4, BLEU-1 and ROUGE-L of one candidate per image against its
    references."""
    try:
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
        from pycocoevalcap.rouge.rouge import Rouge
    except ImportError as error:
        raise MissingExtra("pycocoevalcap", install=install_extra("eval")) from error

    if not candidates:
        raise ValueError("no captions to score")
    refs = {key: [tokens(r) for r in references[key]] for key in candidates}
    hyps = {key: [tokens(text)] for key, text in candidates.items()}
    cider, _ = Cider().compute_score(refs, hyps)
    bleu, _ = Bleu(4).compute_score(refs, hyps, verbose=0)
    rouge, _ = Rouge().compute_score(refs, hyps)
    return CaptionScores(
        cider_d=float(cider), bleu_4=float(bleu[3]), bleu_1=float(bleu[0]), rouge_l=float(rouge)
    )


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError as error:
        raise MissingExtra("sacrebleu", install=install_extra("eval")) from error
    return sacrebleu


def bleu(hypotheses: Sequence[str], references: Sequence[str], *, tokenize: str = "13a") -> float:
    """Corpus BLEU-4 (0-100) of translations, one reference each; ``tokenize="zh"`` or
    ``"ja-mecab"`` style tokenisers for languages written without spaces."""
    return float(
        _sacrebleu().corpus_bleu(list(hypotheses), [list(references)], tokenize=tokenize).score
    )


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF (0-100): the character n-gram F-score, fair to every script."""
    return float(_sacrebleu().corpus_chrf(list(hypotheses), [list(references)]).score)


def _jiwer():
    try:
        import jiwer
    except ImportError as error:
        raise MissingExtra("jiwer", install=install_extra("eval")) from error
    return jiwer


_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_DIGITS = {word: str(i) for i, word in enumerate(_NUMBERS)}


def words(text: str) -> str:
    """Lower case, punctuation gone (apostrophes kept), "nine" as "9" (Whisper writes either):
    how transcripts are compared."""
    text = re.sub(r"[^\w\s']", " ", text.lower())
    return " ".join(_DIGITS.get(w, w) for w in text.split())


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER: word substitutions, deletions and insertions over the references' words,
    after ``words`` normalises both sides. Above 1 when the hypotheses ramble on."""
    refs, hyps = [words(r) for r in references], [words(h) for h in hypotheses]
    if not any(refs):
        raise ValueError("the references have no words")
    kept = [(r, h) for r, h in zip(refs, hyps, strict=True) if r]
    return float(_jiwer().wer([r for r, _ in kept], [h for _, h in kept]))


def character_accuracy(reference: str, hypothesis: str) -> float:
    """1 - character error rate (Levenshtein over characters), after collapsing whitespace;
    0 when the errors outnumber the reference's characters."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    if not ref:
        raise ValueError("the reference text is empty")
    return max(0.0, 1.0 - float(_jiwer().cer(ref, hyp)))


_ARTICLES = {"a", "an", "the"}


def vqa_answer(text: str) -> str:
    """An answer as the VQA evaluation compares it: lower case, punctuation gone, number words
    as digits, no articles ("Two dogs." -> "2 dogs")."""
    text = re.sub(r"(?<=\d),(?=\d)", "", text.lower())  # 1,000 -> 1000
    text = re.sub(r"[^\w\s]", " ", text)
    digits = _DIGITS | {"none": "0"}  # the official map
    return " ".join(digits.get(w, w) for w in text.split() if w not in _ARTICLES)


def vqa_accuracy(answer: str, humans: Sequence[str]) -> float:
    """The VQA challenge's soft accuracy: min(1, matches / 3), averaged over the ten ways of
    leaving one of the ten human answers out. An answer two of ten people gave scores 0.6."""
    if not humans:
        raise ValueError("no human answers to compare with")
    given = vqa_answer(answer)
    said = [vqa_answer(h) == given for h in humans]
    if len(said) == 1:
        return float(said[0])  # one reference (generated data): plain exact match
    others = itertools.combinations(said, len(said) - 1)
    scores = [min(1.0, sum(group) / 3) for group in others]
    return sum(scores) / len(scores)
