"""The vector store at scale: a million 384-d vectors, exact (sqlite-vec) against approximate
(the faiss IVF cache llmos builds past 100k vectors a space).

    python bench/vector_scale.py [--n 1000000] [--clusters 20000] [--spread 0.08] [--queries 200]

The vectors are not i.i.d. Gaussian, which no real embedding resembles (every point is then
about equally far from every other, and approximate indexes look far worse than they are): they
are drawn from a mixture of ``--clusters`` clusters on the unit sphere, themselves grouped
around fewer topics, as sentence embeddings of many subjects are, and the queries are new draws
from the same mixture. Ground truth is
numpy's exact top 10. The number of cells probed is chosen on the first half of the queries
(the smallest that reaches recall@10 0.95); the second half is the measurement.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from llmos.storage import ann
from llmos.storage.vectors import SqliteVecStore, connect

DIM = 384
BATCH = 10_000


def clustered(rng, centres: np.ndarray, n: int, spread: float) -> np.ndarray:
    """``n`` unit vectors, each near a random centre."""
    picked = rng.integers(0, len(centres), size=n)
    points = centres[picked] + rng.normal(0, spread, size=(n, DIM)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms"


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth, strict=True)])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--clusters", type=int, default=20000)
    parser.add_argument("--spread", type=float, default=0.08, help="noise (0.05: tight)")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # topics, each with sub-topics near it, each with points near it: neighbours that are
    # close, and more that are nearly as close, across cell borders
    topics = rng.normal(size=(args.clusters // 50, DIM)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    centres = clustered(rng, topics, args.clusters, args.spread)
    vectors = np.concatenate(
        [clustered(rng, centres, min(BATCH * 10, args.n - i), args.spread)
         for i in range(0, args.n, BATCH * 10)]
    )  # fmt: skip
    queries = clustered(rng, centres, args.queries, args.spread)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 1  # keys start at 1
    near = np.sort(-(queries @ vectors.T), axis=1)[:, :10]
    print(f"{args.n:,} vectors in {args.clusters} clusters; a query's 10th neighbour at cosine "
          f"{-np.median(near[:, 9]):.2f}, its 1st at {-np.median(near[:, 0]):.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        db = connect(Path(folder) / "vectors.db")
        store = SqliteVecStore(db, approximate_above=args.n)  # exact first
        store.create("text", DIM)
        started = time.perf_counter()
        for first in range(0, args.n, BATCH):
            with db:
                keys = range(first + 1, min(first + BATCH, args.n) + 1)
                store.upsert("text", keys, vectors[first : first + BATCH], "doc")
        print(f"insert into sqlite-vec: {time.perf_counter() - started:.1f} s")
        exact_times = []
        for query in queries[:10]:
            started = time.perf_counter()
            store.nearest("text", query, 10)
            exact_times.append(time.perf_counter() - started)
        print(f"exact (sqlite-vec), 10 queries: {percentiles(exact_times)}")
        store.approximate_above = ann.APPROXIMATE_ABOVE
        started = time.perf_counter()
        store.nearest("text", queries[0], 10)  # builds the IVF index from the rows
        print(f"IVF build from the rows: {time.perf_counter() - started:.1f} s; "
              f"RSS {psutil.Process().memory_info().rss / 2**30:.2f} GiB")  # fmt: skip
        index = store._approximate["text"]
        half = len(queries) // 2
        chosen = None
        for nprobe in (4, 8, 16, 32, 64, 128, 256):
            index.nprobe = nprobe
            found = [[k for k, _ in store.nearest("text", q, 10)] for q in queries[:half]]
            tuned = recall(found, truth[:half])
            print(f"  tuning queries, nprobe {nprobe}: recall@10 {tuned:.3f}")
            if tuned >= 0.95:
                chosen = nprobe
                break
        index.nprobe = chosen or 256
        times, found = [], []
        for query in queries[half:]:
            started = time.perf_counter()
            found.append([k for k, _ in store.nearest("text", query, 10)])
            times.append(time.perf_counter() - started)
        print(f"approximate (IVF, nprobe {index.nprobe}), {len(times)} check queries: "
              f"{percentiles(times)}, recall@10 {recall(found, truth[half:]):.3f}; "
              f"{np.median(exact_times) / np.median(times):.0f}x faster than exact")  # fmt: skip
        typed_times = []
        for query in queries[half:]:
            started = time.perf_counter()
            store.nearest("text", query, 10, type="doc")
            typed_times.append(time.perf_counter() - started)
        print(f"approximate with a type filter: {percentiles(typed_times)}")
        print(f"RSS {psutil.Process().memory_info().rss / 2**30:.2f} GiB")
        db.close()


if __name__ == "__main__":
    main()
