"""Unimodal pre-training: patches cut in the encoders' token order, masks where they belong,
and both encoders' losses falling on scenes without answers."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from llmos.learn.config import TrainConfig  # noqa: E402
from llmos.learn.encoders import ConvEncoder, TextEncoder  # noqa: E402
from llmos.learn.pretrain import GREY, hide_bytes, hide_patches, patches, pretrain  # noqa: E402


def test_patches_follow_the_encoders_token_grid_row_by_row():
    pictures = torch.rand(2, 3, 32, 32)
    cut = patches(pictures)
    assert cut.shape == (2, 16, 3 * 8 * 8)
    assert torch.equal(cut[1, 6], pictures[1, :, 8:16, 16:24].flatten())  # row 1, column 2
    assert ConvEncoder(dim=8)(pictures).tokens.shape[1] == cut.shape[1]


def test_hidden_patches_are_grey_and_hidden_bytes_are_real_ones():
    generator = torch.Generator().manual_seed(0)
    pictures = torch.zeros(64, 3, 32, 32)
    hidden = patches(hide_patches(pictures, generator))
    grey = (hidden == GREY).all(dim=-1)
    assert (grey | (hidden == 0).all(dim=-1)).all()  # whole patches, never parts
    assert 0.15 < grey.float().mean() < 0.35
    ids = torch.randint(1, 257, (64, 20))
    mask = torch.arange(20)[None, :] < 12
    blanked_ids, blanked = hide_bytes(ids * mask, mask, generator)
    assert not blanked[:, 12:].any() and 0.08 < blanked[:, :12].float().mean() < 0.22
    assert (blanked_ids[blanked] == 0).all() and torch.equal(
        blanked_ids[~blanked], (ids * mask)[~blanked]
    )


def test_both_encoders_learn_their_own_modality_alone():
    torch.manual_seed(0)
    config = TrainConfig(dim=16, pretrain_epochs=6, pretrain_size=64, batch_size=32,
                         learning_rate=0.005)  # fmt: skip
    image, text = ConvEncoder(dim=16), TextEncoder(length=48, dim=16)
    before = {k: v.clone() for k, v in image.state_dict().items()}
    losses = pretrain(image, text, config)
    assert len(losses) == 6 and losses[-1] < 0.7 * losses[0]
    assert any(not torch.equal(before[k], v) for k, v in image.state_dict().items())
