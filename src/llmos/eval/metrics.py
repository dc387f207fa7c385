"""Scores of generated text against references.

Captions use the COCO caption toolkit's own scorers (``pycocoevalcap``: its CIDEr is CIDEr-D, with
the length penalty and clipping, times 10), so the numbers compare with published ones; text is
tokenised the way its PTB tokenizer leaves it (lower case, no punctuation). OCR uses ``jiwer``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from llmos.errors import MissingExtra, install_extra


@dataclass(frozen=True)
class CaptionScores:
    cider_d: float
    bleu_4: float
    bleu_1: float  # unigram precision with the brevity penalty: BLEU-4 is ~0 for short captions


def tokens(text: str) -> str:
    """Lower-case words and numbers, space-separated, as the COCO scorers expect."""
    return " ".join(re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text.lower()))


def caption_scores(
    candidates: Mapping[str, str], references: Mapping[str, Sequence[str]]
) -> CaptionScores:
    """Corpus CIDEr-D, BLEU-4 and BLEU-1 of one candidate per image against its references."""
    try:
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
    except ImportError as error:
        raise MissingExtra("pycocoevalcap", install=install_extra("eval")) from error

    if not candidates:
        raise ValueError("no captions to score")
    refs = {key: [tokens(r) for r in references[key]] for key in candidates}
    hyps = {key: [tokens(text)] for key, text in candidates.items()}
    cider, _ = Cider().compute_score(refs, hyps)
    bleu, _ = Bleu(4).compute_score(refs, hyps, verbose=0)
    return CaptionScores(cider_d=float(cider), bleu_4=float(bleu[3]), bleu_1=float(bleu[0]))


def character_accuracy(reference: str, hypothesis: str) -> float:
    """1 - character error rate (Levenshtein over characters), after collapsing whitespace;
    0 when the errors outnumber the reference's characters."""
    try:
        import jiwer
    except ImportError as error:
        raise MissingExtra("jiwer", install=install_extra("eval")) from error

    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    if not ref:
        raise ValueError("the reference text is empty")
    return max(0.0, 1.0 - float(jiwer.cer(ref, hyp)))
