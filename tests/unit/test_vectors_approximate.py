"""The faiss IVF cache of a large space: close to exact, level with upserts and deletes."""

from __future__ import annotations

import numpy as np
import pytest

from llmos.storage.vectors import SqliteVecStore, connect

pytest.importorskip("faiss")

DIM = 32


def clustered(rng, n: int) -> np.ndarray:
    centres = rng.normal(size=(40, DIM))
    points = centres[rng.integers(0, 40, size=n)] + rng.normal(0, 0.3, size=(n, DIM))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def stores(tmp_path):
    db = connect(tmp_path / "v.db")
    exact, approximate = SqliteVecStore(db, approximate_above=10**9), SqliteVecStore(db)
    approximate.approximate_above = 500
    exact.create("text", DIM)
    vectors = clustered(np.random.default_rng(1), 3000)
    with db:
        exact.upsert("text", range(1, 1501), vectors[:1500], "doc")
        exact.upsert("text", range(1501, 3001), vectors[1500:], "image")
    yield exact, approximate, db
    db.close()


def test_approximate_search_finds_what_exact_search_finds(stores):
    exact, approximate, _db = stores
    queries = clustered(np.random.default_rng(2), 50)
    overlap = []
    for query in queries:
        truth = {key for key, _ in exact.nearest("text", query, 10)}
        found = approximate.nearest("text", query, 10)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        overlap.append(len(truth & {key for key, _ in found}) / 10)
    assert np.mean(overlap) >= 0.9
    assert "text" in approximate._approximate  # the IVF index answered, not sqlite-vec


def test_the_cache_follows_upserts_deletes_and_types(stores):
    _exact, approximate, db = stores
    probe = clustered(np.random.default_rng(3), 1)
    approximate.nearest("text", probe[0], 5)  # built now
    with db:
        approximate.upsert("text", [9999], probe, "audio")
    assert approximate.nearest("text", probe[0], 1)[0][0] == 9999
    assert approximate.nearest("text", probe[0], 1, type="audio")[0][0] == 9999
    assert all(key <= 1500 for key, _ in approximate.nearest("text", probe[0], 10, type="doc"))
    with db:
        approximate.delete("text", [9999])
    assert 9999 not in {key for key, _ in approximate.nearest("text", probe[0], 10)}


def test_counts_stay_true_and_a_rare_type_falls_back_to_exact_search(stores):
    _exact, approximate, db = stores
    far = -clustered(np.random.default_rng(4), 1)  # far from most vectors
    with db:
        approximate.upsert("text", [7777], far, "video")
    probe = clustered(np.random.default_rng(5), 1)[0]
    assert approximate.nearest("text", probe, 3, type="video") == [
        (7777, pytest.approx(float(far[0] @ probe), abs=1e-4))
    ]
    with db:
        approximate.delete("text", list(range(1, 101)))
    (count,) = db.execute("SELECT count(*) FROM vectors_text").fetchone()
    assert approximate._count("text") == count == 3001 - 100
