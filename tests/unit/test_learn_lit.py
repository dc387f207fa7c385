"""LiT heads: they start as ConSE exactly, learn an alignment the data holds, and stop early."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from llmos.learn.lit import LitHeads, LitSettings, PairFeatures, scores, train_lit  # noqa: E402


def synthetic(n: int, seed: int, hidden: np.ndarray) -> PairFeatures:
    """Pictures whose captions are a fixed linear map of their features; ConSE vectors that
    carry nothing."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 1280)).astype(np.float32)
    conse = rng.normal(size=(n, 384)).astype(np.float32)
    texts = features @ hidden + 0.1 * rng.normal(size=(n, 384))
    images = np.concatenate([features, conse], axis=1)[:, None, :]
    return PairFeatures(images, texts.astype(np.float32), np.arange(n), [f"g{i}" for i in range(n)])


def test_heads_started_at_conse_are_conse():
    rng = np.random.default_rng(1)
    conse = rng.normal(size=(4, 384)).astype(np.float32)
    space = LitHeads(384, "conse").space("conse", {})
    vectors = space.images(rng.normal(size=(4, 1280)), conse)
    expected = conse / np.linalg.norm(conse, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-6)
    assert np.allclose(space.texts(conse), expected, atol=1e-6)
    with pytest.raises(ValueError, match="dim = 384"):
        LitHeads(128, "conse")


def test_training_learns_the_alignment_the_data_holds_and_keeps_the_best_step():
    hidden = np.random.default_rng(2).normal(size=(1280, 384)).astype(np.float32) / 36
    train, validation = synthetic(256, 3, hidden), synthetic(64, 4, hidden)
    settings = LitSettings(start="random", dim=64, steps=150, anchor=0.0, learning_rate=0.01)
    heads, record = train_lit(train, validation, settings)
    forward, backward = scores(heads.space("x", {}), validation)
    assert record["validation_mrr_at_start"] < 0.2 < 0.4 < forward.mrr  # chance is ~0.07
    assert forward.mrr == pytest.approx(record["validation_mrr"])  # the best step's heads
    assert backward.mrr > 0.4
    started_at_conse = train_lit(train, validation, LitSettings(steps=60, evaluate_every=20))[1]
    assert started_at_conse["validation_mrr"] >= started_at_conse["validation_mrr_at_start"]


def test_features_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="1664"):
        PairFeatures(np.zeros((2, 1, 10)), np.zeros((2, 384)), np.arange(2), ["a", "b"])


def test_lit_configs_are_checked(tmp_path):
    from llmos.errors import InvalidRequest
    from llmos.learn.config import LitConfig, load_config

    path = tmp_path / "lit.toml"
    path.write_text('task = "lit"\nname = "lit-mine"\nsteps = 50\n')
    config = load_config(path)
    assert isinstance(config, LitConfig) and config.steps == 50 and config.data == "stamps"
    for text, message in (
        ('task = "lit"\nstep = 5', "step: unknown key"),
        ('task = "lit"\ndata = "coco"', "needs 'annotations' and 'images'"),
        ('task = "lit"\ndim = 128', "dim must be 384"),
        ('task = "lit"\nname = "../x"', "name"),
    ):
        path.write_text(text)
        with pytest.raises(InvalidRequest, match=message):
            load_config(path)


def test_pair_classifiers_fuse_frozen_features_with_every_fusion_and_learn():
    from llmos.learn.classify import Labelled, PairClassifier, accuracy, train_classifier
    from llmos.learn.fusion import FUSIONS

    def labelled(n: int, seed: int) -> Labelled:
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 3, size=n)
        images = rng.normal(size=(n, 2, 1664)).astype(np.float32)
        centres = np.random.default_rng(0).normal(size=(3, 1664)).astype(np.float32)
        images += centres[labels][:, None, :]  # the class shows in the picture's features
        texts = rng.normal(size=(n, 384)).astype(np.float32)  # the caption says nothing
        return Labelled(*map(torch.from_numpy, (images, texts, labels)))

    train, held = labelled(120, 5), labelled(60, 6)
    for fusion in FUSIONS:
        logits = PairClassifier(fusion, 3)(held.images[:4, 0], held.texts[:4])
        assert logits.shape == (4, 3) and torch.isfinite(logits).all()
    model = PairClassifier("early", 3)
    best = train_classifier(model, train, held, epochs=15)
    assert best == accuracy(model, held) > 0.9  # ends at its best epoch
    blind = PairClassifier("early", 3, modalities="text")  # the picture blanked: chance
    train_classifier(blind, train, train, epochs=10)
    assert accuracy(blind, held) < 0.6
