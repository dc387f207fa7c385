"""A picture-text space trained by ``llmos train`` (LiT) on a COCO-format folder, then served:
listed as a model, and embedding texts and pictures into one space through the official
client."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import numpy as np
import openai
import pytest

from llmos.capabilities.align import load
from llmos.learn.pairs import _user_split, stamp_pairs
from tests.conftest import llmos_serve

pytest.importorskip("torch")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def coco_folder(folder, per_split: int = 3) -> list[tuple[str, str]]:
    """Stamps on backgrounds as a user's COCO folder, with ``per_split`` pictures at least in
    each of the hashed splits (train gets the most)."""
    pairs = stamp_pairs("train")
    if not pairs:
        pytest.skip("the Tux Paint stamps are not installed")
    (folder / "images").mkdir(parents=True)
    chosen, counts = [], {"train": 0, "val": 0, "test": 0}
    for n, pair in enumerate(pairs):
        name = f"{n:04d}.png"
        split = _user_split(name)
        if counts[split] >= (4 * per_split if split == "train" else per_split):
            continue
        (folder / "images" / name).write_bytes(pair.picture())
        chosen.append((name, pair.captions[0]))
        counts[split] += 1
        if min(counts.values()) >= per_split and counts["train"] >= 4 * per_split:
            break
    data = {
        "images": [{"id": i, "file_name": name} for i, (name, _) in enumerate(chosen)],
        "annotations": [{"image_id": i, "caption": text} for i, (_, text) in enumerate(chosen)],
    }
    (folder / "captions.json").write_text(json.dumps(data))
    return chosen


def test_a_space_trained_by_llmos_train_is_served_by_v1_embeddings(tmp_path):
    chosen = coco_folder(tmp_path / "data")
    config = tmp_path / "lit.toml"
    config.write_text(
        'task = "lit"\ndata = "coco"\nname = "lit-test"\nsteps = 40\n'
        f'annotations = "{tmp_path / "data" / "captions.json"}"\n'
        f'images = "{tmp_path / "data" / "images"}"\n'
    )
    trained = subprocess.run(
        [sys.executable, "-m", "llmos", "train", str(config)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "test LiT" in trained.stdout and "test ConSE" in trained.stdout, trained.stdout
    home = tmp_path / "home"  # the tests' LLMOS_HOME
    space = load(home / "aligned" / "lit-test.npz")
    assert space.about["trained_on"] == "coco" and space.about["pairs"]["test"] >= 3
    scored = subprocess.run(
        [sys.executable, "-m", "llmos", "evaluate", str(home / "aligned" / "lit-test.npz")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert "test lit-test text->image" in scored.stdout and "test ConSE" in scored.stdout

    with llmos_serve(home) as (base_url, _process):
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
        assert "lit-test" in {model.id for model in client.models.list()}
        names, captions = zip(*chosen[:6], strict=True)
        pictures = [
            "data:image/png;base64,"
            + base64.b64encode((tmp_path / "data" / "images" / n).read_bytes()).decode()
            for n in names
        ]
        result = client.embeddings.create(model="lit-test", input=[*captions, *pictures])
        assert result.model == "lit-test"
        vectors = np.array([row.embedding for row in result.data])
        assert vectors.shape == (12, 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
        # the texts are MiniLM's vectors through the trained head, exactly
        minilm = client.embeddings.create(model="all-minilm-l6-v2", input=list(captions))
        expected = space.texts(np.array([row.embedding for row in minilm.data]))
        assert np.allclose(vectors[:6], expected, atol=1e-4)
        # in one space: a caption is nearer its own picture than the others, on average
        similarity = vectors[:6] @ vectors[6:].T
        assert np.diag(similarity).mean() > similarity[~np.eye(6, dtype=bool)].mean()
        with pytest.raises(openai.BadRequestError, match="384 dimensions"):
            client.embeddings.create(model="lit-test", input=["a dog"], dimensions=16)
        with pytest.raises(openai.BadRequestError, match="empty"):
            client.embeddings.create(model="lit-test", input=[pictures[0], " "])
