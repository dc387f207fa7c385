"""Unimodal pre-training: each encoder learns its own modality alone, from scenes nobody
labelled, before the multimodal model is fine-tuned on the labelled questions.

- The image encoder as a masked autoencoder (He et al., 2022, with a linear decoder): a
  quarter of the picture's patches are greyed out, and every token of the encoder's
  (S/8)² grid rebuilds its own 8x8 patch, the hidden ones from what surrounds them,

      L_V = mean ‖W_V E_V(mask(x))_i - patch_i(x)‖²   over the patches i

- the text encoder by masked byte modelling (BERT, Devlin et al., 2019): 15 % of the bytes of
  the scenes' captions and questions are blanked and predicted from the rest,

      L_T = mean CE(W_T E_T(mask(t))_i, t_i)   over the blanked bytes i

Only the encoders' weights are kept: the two decoders ``W`` are thrown away. No answer, and no
pairing of a picture with its text, is seen here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional

from llmos.learn import scenes
from llmos.learn.config import PATCH, TrainConfig
from llmos.learn.encoders import ByteTokenizer

MASKED_PATCHES = 0.25
MASKED_BYTES = 0.15
GREY = 0.5  # a hidden patch's value: zero once the encoders map [0, 1] to [-1, 1]

Progress = Callable[[str, int, int, float, float], None]  # stage, step, steps, loss, examples/s


def patches(pictures: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S) to (B, (S/8)², 3·8·8), row by row: the order of the encoders' tokens."""
    cut = pictures.unfold(2, PATCH, PATCH).unfold(3, PATCH, PATCH)  # (B, 3, h, w, 8, 8)
    return cut.permute(0, 2, 3, 1, 4, 5).flatten(3).flatten(1, 2)


def hide_patches(pictures: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The pictures with a random quarter of their patches greyed out."""
    side = pictures.shape[-1] // PATCH
    hidden = torch.rand(len(pictures), 1, side, side, generator=generator) < MASKED_PATCHES
    pixels = hidden.repeat_interleave(PATCH, 2).repeat_interleave(PATCH, 3)
    return pictures.masked_fill(pixels, GREY)


def hide_bytes(ids: torch.Tensor, mask: torch.Tensor, generator: torch.Generator):
    """The ids with 15 % of the real bytes blanked (the padding id, a zero embedding), and
    which were blanked."""
    blanked = (torch.rand(ids.shape, generator=generator) < MASKED_BYTES) & mask
    return ids.masked_fill(blanked, ByteTokenizer.PAD), blanked


def pretrain(
    image: nn.Module, text: nn.Module, config: TrainConfig, progress: Progress | None = None
) -> list[float]:
    """Pre-train ``image`` and ``text`` in place on ``config.pretrain_size`` training scenes'
    pictures and texts for ``config.pretrain_epochs``; each epoch's mean loss."""
    made = scenes.scenes("train", config.pretrain_size)
    pictures = scenes.pictures(made, config.image_size)
    texts = [s.caption() for s in made] + [q for s in made for q, _ in s.questions()]
    ids, mask = ByteTokenizer(text.tokenizer.length)(texts)
    image_decoder = nn.Linear(config.dim, 3 * PATCH * PATCH)
    text_decoder = nn.Linear(config.dim, ByteTokenizer.vocabulary)
    learned = [image, text, image_decoder, text_decoder]
    optimiser = torch.optim.AdamW(
        [p for module in learned for p in module.parameters()], lr=config.learning_rate
    )
    generator = torch.Generator().manual_seed(config.seed)
    steps = (len(pictures) + config.batch_size - 1) // config.batch_size
    means = []
    for module in learned:
        module.train()
    for epoch in range(1, config.pretrain_epochs + 1):
        seen_order = torch.randperm(len(pictures), generator=generator)
        read_order = torch.randperm(len(texts), generator=generator)
        started, total = time.perf_counter(), 0.0
        for step in range(steps):
            batch = seen_order[step * config.batch_size : (step + 1) * config.batch_size]
            originals = pictures[batch]
            rebuilt = image_decoder(image(hide_patches(originals, generator)).tokens)
            seen_loss = functional.mse_loss(rebuilt, patches(originals))
            lines = read_order[step * config.batch_size : (step + 1) * config.batch_size]
            blanked_ids, blanked = hide_bytes(ids[lines], mask[lines], generator)
            logits = text_decoder(text(blanked_ids, mask[lines]).tokens)
            loss = seen_loss
            if blanked.any():  # texts outnumber pictures six to one: never short of lines
                loss = loss + functional.cross_entropy(logits[blanked], ids[lines][blanked])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
            if progress is not None:
                rate = (step + 1) * config.batch_size / (time.perf_counter() - started)
                progress(f"pre-training {epoch}", step + 1, steps, loss.item(), rate)
        means.append(total / steps)
    return means
