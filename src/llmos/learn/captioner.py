"""A caption decoder: a small Transformer that writes a sentence while attending to the image's
tokens (Vinyals et al.'s show-and-tell with Vaswani et al.'s decoder),

    h_t = Decoder(E[w_<t] + P, memory = ConvEncoder(image))
    p(w_t | w_<t, image) = softmax(W h_t)

trained with teacher forcing (cross-entropy on the next word), decoded greedily, scored with
``llmos.eval.metrics.caption_scores`` (BLEU-4, CIDEr-D, ROUGE-L). Words come from a vocabulary
built on the training captions; a word never seen is ``<unk>``.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional

from llmos.eval.metrics import CaptionScores, caption_scores, tokens
from llmos.learn.encoders import ConvEncoder
from llmos.learn.stopping import EarlyStopping

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIAL = ("<pad>", "<bos>", "<eos>", "<unk>")


class Vocabulary:
    def __init__(self, captions: Sequence[str], minimum: int = 1) -> None:
        counts = Counter(word for text in captions for word in tokens(text).split())
        kept = sorted(w for w, n in counts.items() if n >= minimum)
        self.words = [*SPECIAL, *kept]
        self.index = {word: i for i, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, captions: Sequence[str], length: int) -> torch.Tensor:
        """(B, length) ids: <bos> words <eos>, padded; cut to fit."""
        ids = torch.full((len(captions), length), PAD, dtype=torch.long)
        for row, text in enumerate(captions):
            words = [self.index.get(w, UNK) for w in tokens(text).split()][: length - 2]
            ids[row, : len(words) + 2] = torch.tensor([BOS, *words, EOS])
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        words = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                words.append(self.words[i])
        return " ".join(words)


class Captioner(nn.Module):
    def __init__(
        self, vocabulary: int, dim: int = 128, layers: int = 2, heads: int = 4, length: int = 24
    ) -> None:
        super().__init__()
        self.image = ConvEncoder(dim=dim)
        self.embed = nn.Embedding(vocabulary, dim, padding_idx=PAD)
        self.position = nn.Parameter(torch.zeros(1, length, dim))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerDecoderLayer(
            dim, heads, 2 * dim, dropout=0.1, batch_first=True, norm_first=True
        )
        self.decoder = nn.TransformerDecoder(layer, layers)
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, vocabulary)
        self.length = length

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Next-word logits (B, L, V) for the words ``ids`` (B, L) so far."""
        memory = self.image(images).tokens
        return self._decode(memory, ids)

    def _decode(self, memory: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        steps = ids.shape[1]
        causal = torch.ones(steps, steps, dtype=torch.bool, device=ids.device).triu(1)
        h = self.embed(ids) + self.position[:, :steps]
        h = self.decoder(h, memory, tgt_mask=causal, tgt_key_padding_mask=ids == PAD)
        return self.out(self.norm(h))

    @torch.no_grad()
    def generate(self, images: torch.Tensor) -> torch.Tensor:
        """Greedy decoding: (B, length) ids starting with <bos>."""
        self.eval()
        memory = self.image(images).tokens
        ids = torch.full((len(images), 1), BOS, dtype=torch.long)
        for _ in range(self.length - 1):
            step = self._decode(memory, ids)[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, step], dim=1)
            if (ids == EOS).any(dim=1).all():
                break
        return ids


@dataclass
class CaptionSet:
    pictures: torch.Tensor  # (N, 3, S, S) in [0, 1]
    captions: list[list[str]]  # each picture's references

    def __len__(self) -> int:
        return len(self.captions)


def pictures_of(encoded: Sequence[bytes], size: int = 64) -> torch.Tensor:
    """Encoded images to (N, 3, size, size) tensors in [0, 1]."""
    rows = []
    for data in encoded:
        with Image.open(io.BytesIO(data)) as image:
            square = image.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)
            rows.append(torch.from_numpy(np.asarray(square, dtype=np.uint8).copy()))
    return torch.stack(rows).permute(0, 3, 1, 2).float() / 255


def train_captioner(
    model: Captioner,
    vocabulary: Vocabulary,
    train: CaptionSet,
    validation: CaptionSet,
    *,
    epochs: int = 20,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    patience: int = 3,
    seed: int = 0,
) -> dict:
    """Teacher forcing, early stopping on the validation loss; the model ends at its best
    epoch. Each step takes one of a picture's references at random."""
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    stopping, ran = EarlyStopping(model, patience, lower_is_better=True), 0
    for ran in range(1, epochs + 1):  # noqa: B007 (the count is returned)
        model.train()
        order = generator.permutation(len(train))
        for first in range(0, len(order), batch_size):
            batch = order[first : first + batch_size]
            texts = [train.captions[i][generator.integers(len(train.captions[i]))] for i in batch]
            loss = _loss(model, train.pictures[batch], vocabulary.encode(texts, model.length))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            model.eval()
            texts = [references[0] for references in validation.captions]
            ids = vocabulary.encode(texts, model.length)
            held = float(_loss(model, validation.pictures, ids))
        if stopping.update(held):
            break
    return {"epochs": ran, "validation_loss": stopping.restore()}


def _loss(model: Captioner, pictures: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    logits = model(pictures, ids[:, :-1])
    return functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), ignore_index=PAD
    )


def captions_of(model: Captioner, vocabulary: Vocabulary, pictures: torch.Tensor) -> list[str]:
    out = []
    for first in range(0, len(pictures), 128):
        ids = model.generate(pictures[first : first + 128])
        out += [vocabulary.decode(row.tolist()) for row in ids]
    return out


def score(model: Captioner, vocabulary: Vocabulary, data: CaptionSet) -> CaptionScores:
    written = captions_of(model, vocabulary, data.pictures)
    candidates = {str(i): text or "nothing" for i, text in enumerate(written)}
    return caption_scores(candidates, {str(i): refs for i, refs in enumerate(data.captions)})
