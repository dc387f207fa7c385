"""The caption decoder: words in and out, a causal decoder over image tokens that learns."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from llmos.learn import scenes  # noqa: E402
from llmos.learn.captioner import (  # noqa: E402
    BOS,
    EOS,
    UNK,
    Captioner,
    CaptionSet,
    Vocabulary,
    score,
    train_captioner,
)


def test_the_vocabulary_encodes_and_decodes_captions():
    vocabulary = Vocabulary(["A red circle.", "a blue square"])
    ids = vocabulary.encode(["a red square!", "a green circle"], length=6)
    assert ids[0, 0] == BOS and vocabulary.decode(ids[0].tolist()) == "a red square"
    assert UNK in ids[1].tolist() and vocabulary.decode(ids[1].tolist()) == "a <unk> circle"
    assert ids.shape == (2, 6) and ids[0, 4] == EOS
    cut = vocabulary.encode(["a red circle a blue square"], length=4)[0].tolist()
    assert cut == [BOS, *cut[1:3], EOS]


def test_the_decoder_is_causal():
    model = Captioner(10, dim=32, length=8).eval()
    image = torch.rand(1, 3, 64, 64)
    ids = torch.tensor([[BOS, 5, 6, 7]])
    changed = torch.tensor([[BOS, 5, 9, 9]])
    first, second = model(image, ids), model(image, changed)
    assert torch.allclose(first[:, :2], second[:, :2], atol=1e-5)  # the future is not seen
    assert not torch.allclose(first[:, 2:], second[:, 2:])


def test_it_learns_to_caption_scenes():
    made = scenes.scenes("train", 48)
    pictures = scenes.pictures(made)
    data = CaptionSet(pictures, [[s.caption()] for s in made])
    vocabulary = Vocabulary([c[0] for c in data.captions])
    model = Captioner(len(vocabulary), dim=64, length=24)
    before = score(model, vocabulary, data)
    record = train_captioner(model, vocabulary, data, data, epochs=25, batch_size=16)
    after = score(model, vocabulary, data)
    assert record["epochs"] >= 5
    assert after.bleu_4 > 0.3 > before.bleu_4 and after.cider_d > before.cider_d
