"""The search index on a real SQLite file: pieces with pointers back, BM25 keywords, exact
sqlite-vec vectors, one transaction per item, and a writer killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("sqlite_vec")

from llmos.capabilities.search.ranking import reciprocal_rank_fusion
from llmos.storage.search_index import Item, Piece, SearchIndex, Vectors

SPACES = {"text": 8, "image": 4}


def unit(*values: float) -> np.ndarray:
    v = np.array(values, np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def index(tmp_path):
    opened = SearchIndex(tmp_path / "index.db", SPACES)
    yield opened
    opened.close()


def pagoda(path="/photos/pagoda.jpg", caption="a red pagoda by a lake") -> tuple:
    item = Item(path, "image", "ab" * 32, 1.0, 1000, {"taken_at": "2026:05:01 10:00:00"})
    pieces = [Piece("caption", caption), Piece("ocr", "TEMPLE GATE", box=(10, 20, 30, 40))]
    vectors = [Vectors("image", unit(1, 0, 0, 0)[None], (0,))]
    return item, pieces, vectors


def test_a_piece_is_found_by_its_words_with_its_pointer_back(index):
    index.put(*pagoda())
    report = Item("/docs/report.pdf", "doc", "cd" * 32, 2.0, 5000)
    index.put(report, [Piece("text", "the invoice was paid", page=1),
                       Piece("text", "we discussed the invoice and the lake", page=3)])  # fmt: skip
    hits = index.keyword("invoice", limit=5)
    assert {h.piece.page for h in hits} == {1, 3} and all(h.path.endswith(".pdf") for h in hits)
    gate = index.keyword("temple", limit=5)
    assert gate[0].piece.box == (10, 20, 30, 40) and gate[0].type == "image"
    assert [h.type for h in index.keyword("lake", limit=5, type="image")] == ["image"]
    assert index.keyword("   ", limit=5) == [] and index.keyword("unicorn", limit=5) == []
    assert index.count() == {"image": 1, "doc": 1}


def test_vectors_are_searched_exactly_and_filtered_by_type(index):
    index.put(*pagoda())
    other = Item("/photos/cat.jpg", "image", "ef" * 32, 1.0, 10)
    index.put(other, [Piece("caption", "a cat")], [Vectors("image", unit(0, 1, 0, 0)[None], (0,))])
    hits = index.nearest("image", unit(0.9, 0.1, 0, 0), limit=2)
    assert [h.path for h in hits] == ["/photos/pagoda.jpg", "/photos/cat.jpg"]
    assert hits[0].score == pytest.approx(float(unit(0.9, 0.1, 0, 0) @ unit(1, 0, 0, 0)), abs=1e-4)
    assert index.nearest("image", unit(1, 0, 0, 0), limit=2, type="doc") == []
    with pytest.raises(ValueError, match="shape"):
        index.put(other, [Piece("caption", "a cat")], [Vectors("image", np.ones((1, 3)), (0,))])
    with pytest.raises(ValueError, match="no embedding space"):
        index.put(other, [Piece("caption", "a cat")], [Vectors("audio", np.ones((1, 4)), (0,))])


def test_indexing_a_path_again_replaces_it_and_removing_forgets_it(index):
    index.put(*pagoda())
    second = index.put(*pagoda(caption="a blue boat on the sea"))
    assert index.known("/photos/pagoda.jpg")[0] == "ab" * 32
    assert index.keyword("pagoda", limit=5) == []  # the old caption left the keyword index
    assert index.keyword("boat", limit=5)[0].item_id == second
    assert len(index.nearest("image", unit(1, 0, 0, 0), limit=5)) == 1
    assert index.paths("/photos") == ["/photos/pagoda.jpg"] and index.paths("/pho") == []
    assert index.remove("/photos/pagoda.jpg") and not index.remove("/photos/pagoda.jpg")
    assert (
        index.keyword("boat", limit=5) == []
        and index.nearest("image", unit(1, 0, 0, 0), limit=5) == []
    )
    assert index.known("/photos/pagoda.jpg") is None and index.integrity() == "ok"


def test_a_failed_put_leaves_the_previous_version_whole(index):
    index.put(*pagoda())
    item, pieces, _ = pagoda(caption="a broken write")
    bad = [Vectors("image", np.array([[np.nan, 0, 0, 0]], np.float32), (0,))]

    class Failing:  # the vector store fails half-way through the transaction
        def __getattr__(self, name):
            return getattr(real, name)

        def upsert(self, *args):
            raise RuntimeError("disk full")

    real, index.vectors = index.vectors, Failing()
    with pytest.raises(RuntimeError):
        index.put(item, pieces, bad)
    index.vectors = real
    assert index.keyword("pagoda", limit=5) and not index.keyword("broken", limit=5)
    assert len(index.nearest("image", unit(1, 0, 0, 0), limit=5)) == 1


WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from pathlib import Path
    from llmos.storage.search_index import Item, Piece, SearchIndex, Vectors
    index = SearchIndex(Path(sys.argv[1]), {"text": 8, "image": 4})
    for n in range(100000):
        item = Item(f"/f/{n % 50}.txt", "doc", str(n), 0.0, 1)
        pieces = [Piece("text", f"word{n} chunk {i}", page=i + 1) for i in range(5)]
        vectors = [Vectors("text", np.ones((5, 8), np.float32), tuple(range(5)))]
        index.put(item, pieces, vectors)
        print(n, flush=True)
    """
)


def test_a_writer_killed_mid_run_leaves_a_whole_index(tmp_path):
    path = tmp_path / "index.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    for _ in range(120):  # let it commit a good many items, then kill it without warning
        assert writer.stdout.readline()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    index = SearchIndex(path, SPACES)
    try:
        assert index.integrity() == "ok"
        paths = index.paths()
        assert 1 <= len(paths) <= 50
        for p in paths:  # every item has all its pieces, keywords and vectors
            number = index.known(p)[0]
            assert len(index.keyword(f"word{number}", limit=10)) == 5
        assert len(index.nearest("text", np.ones(8, np.float32), limit=1000)) == 5 * len(paths)
    finally:
        index.close()


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]])
    assert [key for key, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert reciprocal_rank_fusion([["x", "x", "y"]])[0] == ("x", pytest.approx(1 / 61))
    assert reciprocal_rank_fusion([]) == []


def test_a_space_derived_from_two_others_is_filled_in_for_what_lacks_it(tmp_path):
    """A model trained after pictures were indexed gets their vectors from the two spaces
    they have, without deriving them again; a piece removed meanwhile is left out."""
    index = SearchIndex(tmp_path / "index.db", {"image": 4, "conse": 2, "derived": 3})
    try:
        for n in range(3):
            item = Item(f"/p/{n}.jpg", "image", f"{n:064d}", 1.0, 10)
            vectors = [Vectors("image", unit(1, n, 0, 0)[None], (0,)),
                       Vectors("conse", unit(1, n)[None], (0,))]  # fmt: skip
            index.put(item, [Piece("caption", f"picture {n}")], vectors)
        video = Item("/v/talk.mp4", "video", "f" * 64, 1.0, 10)
        index.put(video, [Piece("transcript", "hello")])  # no picture vectors: not a candidate
        keys, types, (images, conse) = index.missing("derived", ("image", "conse"), limit=2)
        assert len(keys) == 2 and types == ["image", "image"]
        assert images.shape == (2, 4) and conse.shape == (2, 2)
        assert index.add_vectors("derived", keys, np.stack([unit(1, 0, 0)] * 2), types) == 2
        rest, _types, _arrays = index.missing("derived", ("image", "conse"), limit=10)
        assert len(rest) == 1 and rest[0] not in keys
        index.remove("/p/2.jpg")  # gone before its vector was added
        assert index.add_vectors("derived", rest, unit(0, 1, 0)[None], ["image"]) == 0
        assert index.missing("derived", ("image", "conse"), limit=10)[0] == []
        hits = index.nearest("derived", unit(1, 0, 0), limit=5, type="image")
        assert sorted(h.path for h in hits) == ["/p/0.jpg", "/p/1.jpg"]
        with pytest.raises(ValueError, match="shape"):
            index.add_vectors("derived", keys, np.zeros((2, 5), np.float32), types)
    finally:
        index.close()


def test_spaces_of_models_no_longer_used_are_dropped(tmp_path):
    first = SearchIndex(tmp_path / "index.db", {"image": 4, "aligned_aaaa": 2})
    first.close()
    again = SearchIndex(tmp_path / "index.db", {"image": 4, "aligned_bbbb": 2})
    try:
        assert again.drop_spaces_except("aligned_") == ["aligned_aaaa"]
        assert again.drop_spaces_except("aligned_") == []
        item = Item("/p/x.jpg", "image", "a" * 64, 1.0, 10)
        again.put(item, [Piece("caption", "x")], [Vectors("aligned_bbbb", unit(1, 0)[None], (0,))])
        assert again.nearest("aligned_bbbb", unit(1, 0), limit=1)[0].path == "/p/x.jpg"
    finally:
        again.close()
