"""llmos.learn's building blocks: attention, fusion and objectives, on tiny batches."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from llmos.learn.attention import ATTENTION, attention  # noqa: E402
from llmos.learn.fusion import FUSIONS  # noqa: E402
from llmos.learn.objectives import (  # noqa: E402
    ContrastiveLoss,
    classification_loss,
    reconstruction_loss,
)
from llmos.learn.types import Encoded  # noqa: E402


def encoded(batch: int, tokens: int, dim: int, *, padded: int = 0, seed: int = 0) -> Encoded:
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(batch, tokens, dim, generator=generator)
    mask = torch.ones(batch, tokens, dtype=torch.bool)
    if padded:
        mask[:, tokens - padded :] = False
    return Encoded(values, values[:, 0], mask if padded else None)


@pytest.mark.parametrize("kind", sorted(ATTENTION))
def test_attention_weighs_only_the_unmasked_keys(kind):
    torch.manual_seed(0)
    module = attention(kind, 8)
    q, k = torch.randn(2, 3, 8, requires_grad=True), torch.randn(2, 5, 8)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    context, weights = module(q, k, k, mask)
    assert context.shape == (2, 3, 8) and weights.shape == (2, 3, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3))
    assert torch.all(weights[1, :, 3:] == 0)
    context.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()
    with pytest.raises(ValueError, match="attention must be one of"):
        attention("psychic", 8)


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_every_fusion_gives_one_output_per_example_and_trains_every_weight(name):
    torch.manual_seed(0)
    module = FUSIONS[name](16, 12, 4)
    image, text = encoded(3, 5, 16), encoded(3, 7, 12, padded=2, seed=1)
    out = module(image, text)
    assert out.shape == (3, 4) and torch.isfinite(out).all()
    classification_loss(out, torch.tensor([0, 1, 3])).backward()
    for parameter_name, parameter in module.named_parameters():
        assert parameter.grad is not None, parameter_name
        assert torch.isfinite(parameter.grad).all(), parameter_name


@pytest.mark.parametrize("name", ["cross-attention", "co-attention", "graph"])
def test_padding_tokens_do_not_change_the_output(name):
    torch.manual_seed(0)
    module = FUSIONS[name](16, 12, 4).eval()
    image, text = encoded(2, 5, 16), encoded(2, 7, 12, padded=3, seed=1)
    before = module(image, text)
    text.tokens[:, 4:] = 1000.0  # the padding only
    assert torch.allclose(module(image, text), before, atol=1e-5)


def test_infonce_equals_the_value_computed_by_hand():
    loss = ContrastiveLoss(temperature=0.5)
    u = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    # S = [[2, 0], [0, 2]]: each row's cross-entropy is -log(e^2 / (e^2 + e^0)) = log(1 + e^-2)
    assert loss(u, u).item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    v = torch.tensor([[1.0, 0.0], [1.0, 0.0]])  # both captions alike: S = [[2, 2], [0, 0]]
    rows = math.log(2)  # each image finds two equally likely captions
    columns = (math.log(1 + math.exp(-2)) + math.log(1 + math.exp(2))) / 2
    assert loss(u, v).item() == pytest.approx((rows + columns) / 2, abs=1e-6)
    assert ContrastiveLoss(metric="euclidean")(u, u).item() < loss(u, v).item()
    with pytest.raises(ValueError, match="metric"):
        ContrastiveLoss(metric="manhattan")


def test_infonce_falls_as_two_projections_learn_to_align():
    torch.manual_seed(0)
    images = torch.randn(32, 10)
    captions = images @ torch.randn(10, 6) + 0.1 * torch.randn(32, 6)  # paired, other space
    project_image, project_text = torch.nn.Linear(10, 8), torch.nn.Linear(6, 8)
    loss_of = ContrastiveLoss()
    parameters = [*project_image.parameters(), *project_text.parameters(), *loss_of.parameters()]
    optimiser = torch.optim.Adam(parameters, lr=0.05)
    losses = []
    for _ in range(40):
        optimiser.zero_grad()
        loss = loss_of(project_image(images), project_text(captions))
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 3, losses[::10]
    assert loss_of.log_scale.exp().item() <= 100.0 + 1e-3


def test_reconstruction_loss_averages_the_modalities():
    original = {"image": torch.zeros(2, 4), "text": torch.zeros(2, 3)}
    rebuilt = {"image": torch.ones(2, 4), "text": torch.full((2, 3), 2.0)}
    assert reconstruction_loss(rebuilt, original).item() == pytest.approx((1 + 4) / 2)
    with pytest.raises(ValueError, match="same modalities"):
        reconstruction_loss({"image": rebuilt["image"]}, original)


@pytest.mark.parametrize("kind", ["patch", "conv"])
def test_image_encoders_turn_pictures_into_tokens(kind):
    from llmos.learn.encoders import ConvEncoder, PatchEncoder

    torch.manual_seed(0)
    encoder = PatchEncoder(size=32, patch=8, dim=16) if kind == "patch" else ConvEncoder(dim=16)
    out = encoder(torch.rand(2, 3, 32, 32))
    assert out.tokens.shape == (2, 16, 16) and out.pooled.shape == (2, 16)
    out.pooled.sum().backward()
    assert all(p.grad is not None for p in encoder.parameters() if p.requires_grad)


def test_the_text_encoder_reads_bytes_of_any_language_and_ignores_padding():
    from llmos.learn.encoders import ByteTokenizer, TextEncoder

    ids, mask = ByteTokenizer(length=8)(["a cat", "红色的猫", ""])
    assert ids[0, :5].tolist() == [ord(c) + 1 for c in "a cat"] and not mask[0, 5:].any()
    assert mask[1].sum() == 8  # 12 bytes of Chinese, cut at 8
    torch.manual_seed(0)
    encoder = TextEncoder(length=8, dim=16).eval()
    out = encoder.encode_texts(["a cat", "红色的猫", ""])
    assert out.tokens.shape == (3, 8, 16) and torch.isfinite(out.pooled).all()
    alone = encoder.encode_texts(["a cat"])
    assert torch.allclose(alone.pooled, out.pooled[:1], atol=1e-5)  # batch-mates do not matter


def test_a_query_with_no_key_to_attend_to_gets_zeros_not_nan():
    module = attention("scaled-dot", 4)
    q = torch.randn(1, 2, 4, requires_grad=True)
    context, weights = module(
        q, torch.randn(1, 3, 4), torch.randn(1, 3, 4), torch.zeros(1, 3, dtype=torch.bool)
    )
    assert torch.all(weights == 0) and torch.all(context == 0)
    context.sum().backward()
    assert torch.isfinite(q.grad).all()


def test_the_temperature_is_clipped_where_clip_clips_it():
    loss = ContrastiveLoss()
    with torch.no_grad():
        loss.log_scale.fill_(10.0)
    u = torch.eye(3)
    assert loss.similarities(u, u)[0, 0].item() == pytest.approx(100.0)
    assert loss.log_scale.item() == pytest.approx(math.log(100.0))
