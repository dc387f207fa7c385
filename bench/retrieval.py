"""Cross-modal retrieval on pictures and captions nobody here chose: the Tux Paint stamps.

    python bench/retrieval.py [--split tune,check] [--limit N] [--zh N] [--images N]
        [--audio N] [--background blurred] [--aligned HOME/aligned/NAME.npz]

Each split's stamps (leaving out symbols/) are composited on a background, indexed through the
real ingestion (the kernel, the experts, MiniLM), then found by their English captions:
Recall@1/5/10 and MRR for the derived text alone (keywords + MiniLM over captions, labels, OCR),
ConSE alone (MiniLM against the images' zero-shot vectors) and their fusion; the same with the
human zh_CN captions as queries (translated to English by llmos); a picture found by its own
mirrored and cropped copy (image -> image); and the stamps' spoken descriptions (French,
Spanish, Russian...) found by their English captions. A retrieval is right when the found
picture's caption equals the query's (several stamps share one). Choose on the tuning split;
the check split is the measurement. With ``--aligned``, a space trained by ``llmos train`` (LiT,
on the tune half) is indexed too and searched alone and in ConSE's place.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

from llmos.eval import tuxpaint
from llmos.eval.ranking import RetrievalScores, scores_of_ranks
from llmos.eval.stamps import composite
from llmos.fusion.aligned import Aligned
from llmos.fusion.index.conse import ClassVectors
from llmos.fusion.index.derive import Deriver
from llmos.fusion.index.jobs import Indexer
from llmos.fusion.index.search import TEXT_SPACES, Query, Searcher
from llmos.fusion.index.service import SPACES
from llmos.fusion.translate import Translator
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.settings import Settings
from llmos.storage.search_index import SearchIndex

DOCUMENTS = Path(__file__).resolve().parent.parent / "docs"  # llmos's own Markdown
VARIANTS = {  # Searcher options: BM25 or not, the spaces of the MiniLM list, their merge
    "derived text": {"keywords": True, "spaces": ("text",)},
    "ConSE": {"keywords": False, "spaces": ("conse",)},
    "lists apart": {"keywords": True, "spaces": TEXT_SPACES, "merge": "separate"},
    "no keywords": {"keywords": False, "spaces": TEXT_SPACES},
    "llmos": {},  # the server's: keywords, and text with ConSE by standardised cosine
}


def chosen_stamps(split: str, limit: int | None) -> list[tuxpaint.Stamp]:
    found = [
        s
        for s in tuxpaint.stamps()
        if s.split == split
        and s.path.with_suffix(".png").is_file()
        and s.path.relative_to(tuxpaint.ROOT).parts[0] != "symbols"
    ]
    if limit is not None and limit < len(found):
        found = [found[i * len(found) // limit] for i in range(limit)]
    return found


def same(a: str, b: str) -> bool:
    return a.strip().lower().rstrip(".") == b.strip().lower().rstrip(".")


async def ranks(searcher: Searcher, queries: list[tuple[Query, str]], captions) -> RetrievalScores:
    found = []
    for query, english in queries:
        results = (await searcher.search(query)).results
        right = [i for i, r in enumerate(results, 1) if same(captions.get(r.path, ""), english)]
        found.append(right[0] if right else None)
    return scores_of_ranks(found)  # a rank beyond 10 counts as not found


def _seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return (container.duration or 0) / 1_000_000


def mirrored_crop(path: Path) -> bytes:
    with Image.open(path) as picture:
        picture = ImageOps.mirror(picture.convert("RGB"))
        w, h = picture.size
        picture = picture.crop((w // 10, h // 10, w - w // 10, h - h // 10))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        return out.getvalue()


async def run_split(args, split: str, kernel: Kernel, folder: Path) -> None:
    stamps = chosen_stamps(split, args.limit)
    pictures = folder / split / "pictures"
    pictures.mkdir(parents=True, exist_ok=True)
    captions: dict[str, str] = {}
    for number, stamp in enumerate(stamps):
        path = pictures / f"{number:04d}.png"
        with Image.open(stamp.path.with_suffix(".png")) as cut_out:
            path.write_bytes(composite(cut_out, args.background, seed=number))
        captions[str(path)] = stamp.english
    spoken = [s for s in stamps if s.recordings][: args.audio]
    sounds = folder / split / "sounds"
    sounds.mkdir(exist_ok=True)
    for number, stamp in enumerate(spoken):
        locale, recording = sorted(stamp.recordings.items())[0]
        target = sounds / f"{number:04d}_{locale}.ogg"
        shutil.copy(recording, target)
        captions[str(target)] = stamp.english
    vision, translator = Vision(kernel), Translator(kernel)
    classes = ClassVectors(kernel, kernel.settings.models_dir)
    await classes.get()  # made once, not counted as ingestion
    aligned = Aligned(kernel, vision, classes)
    space = await aligned.preferred() if args.aligned else None
    if args.aligned and space is None:
        raise SystemExit(f"{args.aligned} did not beat ConSE on its test split: not used")
    trained = (aligned, space) if space else None
    spaces = SPACES | ({space.index_space: space.dim} if space else {})
    index = SearchIndex(folder / split / "index.db", spaces)
    indexer = Indexer(index, Deriver(kernel, vision, classes, trained), [folder])
    documents = folder / split / "documents"
    shutil.copytree(DOCUMENTS, documents, dirs_exist_ok=True)
    jobs = (("images", pictures, len(stamps)), ("audio", sounds, len(spoken)),
            ("documents", documents, 1))  # fmt: skip
    for what, path, count in jobs:
        if not count:
            continue
        started = time.perf_counter()
        job = indexer.start([path])
        while not job.finished:
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - started
        errors = f", {len(job.errors)} failed: {job.errors[:2]}" if job.errors else ""
        extra = ""
        if what == "audio":
            heard = sum(_seconds(p) for p in path.iterdir())
            extra = f"; {heard / 60:.1f} min of speech, {heard / seconds:.2f} s of audio per s"
        elif what == "documents":
            size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            extra = f"; {size / 1000:.0f} kB of text, {size / 1000 / seconds:.1f} kB/s"
        print(f"{split}: indexed {job.indexed} {what} in {seconds:.1f} s "
              f"({job.indexed / seconds:.2f}/s{extra}{errors})", flush=True)  # fmt: skip
    english = list(dict.fromkeys(s.english for s in stamps))
    zh = [(s.translations["zh"], s.english) for s in stamps if "zh" in s.translations]
    zh = list(dict.fromkeys(zh))[: args.zh]
    variants = dict(VARIANTS)
    if space is not None:
        variants["LiT"] = {"keywords": False, "spaces": (space.index_space,)}
        variants["llmos + LiT"] = {"spaces": ("text", space.index_space)}  # what serving does
    for name, options in variants.items():
        searcher = Searcher(kernel, vision, translator, index, aligned=trained, **options)
        text = [(Query(e, type="image", limit=10), e) for e in english]
        print(f"{split} text->image, {name:12s}: {(await ranks(searcher, text, captions)).line()}")
        if zh:
            chinese = [(Query(q, type="image", limit=10), e) for q, e in zh]
            scores = await ranks(searcher, chinese, captions)
            print(f"{split} zh->image,   {name:12s}: {scores.line()}", flush=True)
    searcher = Searcher(kernel, vision, translator, index)
    copies = [
        (Query(image=mirrored_crop(Path(p)), type="image", limit=10), captions[p])
        for p in list(captions)[: args.images]
        if p.endswith(".png")
    ]
    if copies:
        print(f"{split} image->image (mirrored, cropped copy): "
              f"{(await ranks(searcher, copies, captions)).line()}")  # fmt: skip
    if spoken:
        audio = [(Query(s.english, type="audio", limit=10), s.english) for s in spoken]
        print(f"{split} en->speech (fusion): {(await ranks(searcher, audio, captions)).line()}")
    index.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="tune,check")
    parser.add_argument("--limit", type=int, default=None, help="stamps per split, spread")
    parser.add_argument("--zh", type=int, default=50, help="zh_CN caption queries per split")
    parser.add_argument("--images", type=int, default=100, help="image queries per split")
    parser.add_argument("--audio", type=int, default=0, help="spoken descriptions per split")
    parser.add_argument("--background", default="blurred")
    parser.add_argument("--workdir", default=None, help="keep the index here between runs")
    parser.add_argument("--aligned", type=Path, default=None, help="a trained space (.npz)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        home = args.workdir or temporary  # a kept workdir is indexed again incrementally
        settings = Settings(home=home, models_dir=Settings().models_dir)
        if args.aligned:
            settings.aligned_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(args.aligned, settings.aligned_dir / args.aligned.name)
        kernel = Kernel(settings, default_registry(settings.aligned_dir))
        await kernel.start()
        try:
            for split in args.split.split(","):
                await run_split(args, split, kernel, Path(home) / "media")
        finally:
            await kernel.stop()


if __name__ == "__main__":
    asyncio.run(main())
