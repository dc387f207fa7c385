"""Frozen features of the models llmos serves, through a real kernel, cached by content."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest

from llmos.eval import tuxpaint
from llmos.kernel import Kernel, default_registry
from llmos.learn.features import FeatureCache, FrozenFeatures
from llmos.settings import Settings
from tests.conftest import MODELS_DIR
from tests.documents import rendered_text

pytestmark = pytest.mark.slow


def test_pictures_texts_and_speech_become_cached_features(tmp_path):
    recordings = sorted(tuxpaint.ROOT.rglob("*_desc_fr.ogg"))
    if not recordings:
        pytest.skip("the Tux Paint stamps are not installed")
    clip = recordings[0].read_bytes()
    picture = rendered_text(["HELLO"])
    encoded = io.BytesIO()
    picture.save(encoded, "PNG")

    async def scenario():
        kernel = Kernel(Settings(home=tmp_path, models_dir=MODELS_DIR), default_registry())
        await kernel.start()
        try:
            frozen = FrozenFeatures(kernel, tmp_path / "features")
            images = await frozen.images([encoded.getvalue()] * 2)
            texts = await frozen.texts(["a red kangaroo", "a bowl of soup"])
            sounds = await frozen.audio([clip])
            again = await frozen.texts(["a red kangaroo", "a bowl of soup"])
            return images, texts, sounds, again
        finally:
            await kernel.stop()

    images, texts, sounds, again = asyncio.run(scenario())
    assert images.shape == (2, 2280) and np.allclose(images[0], images[1])
    assert np.isclose(np.linalg.norm(images[0, :1280]), 1, atol=1e-3)
    assert np.isclose(images[0, 1280:].sum(), 1, atol=1e-3)  # the class probabilities
    assert texts.shape == (2, 384) and np.allclose(again, texts)
    (tokens,) = sounds
    assert tokens.shape[1] == 512 and 1 <= tokens.shape[0] <= 60
    cached = FeatureCache(tmp_path / "features", "all-minilm-l6-v2")
    assert cached.get(cached.key(b"a red kangaroo")) is not None
    assert len(list((tmp_path / "features").rglob("*.npy"))) == 2 + 1 + 1  # texts, picture, clip
