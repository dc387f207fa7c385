"""Captions on pictures nobody here chose: the Tux Paint stamps' photographs (eval/stamps.py),
and what WordNet's hierarchy over the classifier's labels would name instead.

    python bench/vision_stamps.py [--backgrounds plain,blurred,noise] [--limit N]

For each stamp (a cut-out composited on a background), llmos's caption is judged by WordNet:
does it name the stamp's thing, a kind of it, or a not-too-vague kind of thing it is? The
hedged hierarchy labels (capabilities/vision/hierarchy.py) get their confidence threshold chosen
on the tuning half (most named, fewest naming something else) and are reported on the check
half. Runs in-process on the real kernel.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile

from llmos.capabilities.vision.hierarchy import imagenet_hierarchy
from llmos.eval.stamps import cases
from llmos.eval.wordnet import wordnet
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.settings import Settings

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


async def classify(vision: Vision, image: bytes):
    async with vision.image(image, "stamp") as decoded:
        probs, _ = await vision._run("classify", {}, lambda m: m.classify([decoded.rgb]))
    return probs[0]


def hedged_score(rows, threshold: float) -> tuple[int, int, int]:
    """(named the thing, named something else, said nothing) by the hedged labels."""
    tree, words = imagenet_hierarchy(), wordnet()
    named = other = silent = 0
    for thing, probs in rows:
        nodes = tree.hedged(probs, confidence=threshold, most=1)
        if not nodes:
            silent += 1
        elif words.names(nodes[0].name, thing):
            named += 1
        else:
            other += 1
    return named, other, silent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backgrounds", default="plain")
    parser.add_argument("--limit", type=int, default=120, help="stamps per split at most")
    args = parser.parse_args()
    backgrounds = tuple(args.backgrounds.split(","))
    words = wordnet()
    with tempfile.TemporaryDirectory() as home:
        kernel = Kernel(Settings(home=home, models_dir=Settings().models_dir), default_registry())
        await kernel.start()
        vision = Vision(kernel)
        try:
            rows: dict[str, list] = {}
            for split in ("tune", "check"):
                named = total = 0
                rows[split] = []
                for case in itertools.islice(cases(split, backgrounds=backgrounds), args.limit):
                    rows[split].append((case.thing, await classify(vision, case.image)))
                    if split != "check":
                        continue
                    caption = await vision.caption(await vision.facts(case.image, case.name))
                    total += 1
                    hit = words.names(caption.text, case.thing)
                    named += hit
                    print(f"{'+' if hit else '-'} {case.thing:18s} {caption.text[:90]}", flush=True)
                if split == "check":
                    print(f"check: the caption names the thing in {named} of {total}")
        finally:
            await kernel.stop()
    tune = {t: hedged_score(rows["tune"], t) for t in THRESHOLDS}
    for t, (named, other, silent) in tune.items():
        print(f"tune  hedged labels at {t}: named {named}, other {other}, silent {silent}")
    best = max(THRESHOLDS, key=lambda t: tune[t][0] - tune[t][1])
    named, other, silent = hedged_score(rows["check"], best)
    total = len(rows["check"])
    print(f"check hedged labels at {best} (chosen on tune): named {named}/{total}, "
          f"something else {other}/{total}, silent {silent}/{total}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
