"""Real pairs as data: the stamps' fixed splits, a user's COCO and Flickr30k folders, the
feature cache, and the served form of a trained alignment."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmos.capabilities.align import space as aligned
from llmos.learn.features import FeatureCache
from llmos.learn.pairs import coco_pairs, flickr30k_pairs, stamp_pairs


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for n in range(30):
        Image.new("RGB", (8, 8), (n * 8, 0, 0)).save(folder / f"{n}.jpg")
    return folder


def test_coco_captions_become_pairs_split_by_a_hash_of_the_name(tmp_path, photos):
    data = {
        "images": [{"id": n, "file_name": f"{n}.jpg"} for n in range(31)],  # 30.jpg is missing
        "annotations": [
            {"image_id": n, "caption": f"picture {n} {k}"} for n in range(31) for k in range(2)
        ],
    }
    (tmp_path / "captions.json").write_text(json.dumps(data))
    every = coco_pairs(tmp_path / "captions.json", photos)
    assert len(every) == 30 and every[0].captions == ("picture 0 0", "picture 0 1")
    splits = {s: coco_pairs(tmp_path / "captions.json", photos, s) for s in ("train", "val")}
    assert splits["train"] and len(splits["train"]) > len(splits["val"])
    assert every[0].picture() == (photos / every[0].image.name).read_bytes()
    (tmp_path / "bad.json").write_text('{"images": []}')
    with pytest.raises(ValueError, match="not a COCO captions file"):
        coco_pairs(tmp_path / "bad.json", photos)
    with pytest.raises(ValueError, match="split must be one of"):
        coco_pairs(tmp_path / "captions.json", photos, "dev")


def test_flickr30k_token_and_csv_files_give_the_same_pairs(tmp_path, photos):
    token = "\n".join(
        f"{n}.jpg#{k}\tA dog number {n}, take {k}." for n in range(5) for k in range(5)
    )
    (tmp_path / "results.token").write_text(token)
    rows = ["image_name| comment_number| comment"] + [
        f"{n}.jpg| {k}| A dog number {n}, take {k}." for n in range(5) for k in range(5)
    ]
    (tmp_path / "results.csv").write_text("\n".join(rows))
    from_token = flickr30k_pairs(tmp_path / "results.token", photos)
    assert from_token == flickr30k_pairs(tmp_path / "results.csv", photos)
    assert len(from_token) == 5 and len(from_token[0].captions) == 5
    (tmp_path / "other.csv").write_text("a,b,c\n1,2,3")
    with pytest.raises(ValueError, match="neither"):
        flickr30k_pairs(tmp_path / "other.csv", photos)


def test_stamp_splits_are_fixed_and_keep_shared_captions_together():
    splits = {s: stamp_pairs(s) for s in ("train", "val", "test")}
    if not splits["test"]:
        pytest.skip("the Tux Paint stamps are not installed")
    groups = {s: {p.group for p in pairs} for s, pairs in splits.items()}
    assert not groups["train"] & groups["test"] and not groups["val"] & groups["test"]
    assert not groups["train"] & groups["val"]
    assert len(splits["train"]) > 3 * len(splits["val"])
    assert all(p.label != "symbols" for pairs in splits.values() for p in pairs)
    first = splits["test"][0]
    assert first.picture(0) == first.picture(0) != first.picture(1)  # seeded, per background


def test_the_feature_cache_keeps_arrays_by_content_and_model(tmp_path):
    cache = FeatureCache(tmp_path, "m1")
    key = cache.key(b"picture")
    assert key != FeatureCache(tmp_path, "m2").key(b"picture")
    assert cache.get(key) is None
    cache.put(key, np.arange(4, dtype=np.float32))
    assert cache.get(key).tolist() == [0, 1, 2, 3]
    cache.path(key).write_bytes(b"damaged")
    assert cache.get(key) is None  # computed again, not a crash


def test_an_aligned_space_is_saved_loaded_and_checked(tmp_path):
    rng = np.random.default_rng(0)
    space = aligned.AlignedSpace(
        "lit-test",
        rng.normal(size=(384, 8)).astype(np.float32),
        rng.normal(size=(1280, 8)).astype(np.float32),
        rng.normal(size=(384, 8)).astype(np.float32),
        {"trained_on": "test"},
    )
    path = space.save(tmp_path)
    assert path == tmp_path / "lit-test.npz"
    assert aligned.installed(tmp_path) == [path]
    again = aligned.load(path)
    assert again.about == {"trained_on": "test"} and again.dim == 8
    images = again.images(rng.normal(size=(3, 1280)), rng.normal(size=(3, 384)))
    assert images.shape == (3, 8) and np.allclose(np.linalg.norm(images, axis=1), 1)
    np.savez(tmp_path / "wrong.npz", a=np.zeros((3, 3)), b=np.zeros(1), c=np.zeros(1))
    with pytest.raises(ValueError, match="not an aligned-space model"):
        aligned.load(tmp_path / "wrong.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not an aligned-space model"):
        aligned.load(tmp_path / "junk.npz")
    with pytest.raises(ValueError, match="lower-case"):
        aligned.path_of(tmp_path, "../escape")


def test_trained_spaces_become_models_unless_damaged_or_named_like_a_shipped_one(tmp_path):
    from llmos.kernel.registry import default_registry

    rng = np.random.default_rng(0)

    def space(name: str) -> aligned.AlignedSpace:
        heads = [rng.normal(size=(n, 4)).astype(np.float32) for n in (384, 1280, 384)]
        return aligned.AlignedSpace(name, *heads)

    space("lit-mine").save(tmp_path)
    space("all-minilm-l6-v2").save(tmp_path)  # a shipped model's name
    (tmp_path / "lit-broken.npz").write_bytes(b"not a model")
    models = {s.name: s for s in default_registry(tmp_path).models}
    assert models["lit-mine"].capability == "align"
    assert models["all-minilm-l6-v2"].capability == "embed"
    assert "lit-broken" not in models
    loaded = models["lit-mine"].load(None)
    (tmp_path / "lit-mine.npz").unlink()  # the weights were read once, at startup
    assert models["lit-mine"].load(None).space is loaded.space
