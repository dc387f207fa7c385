"""The image composer on fixed prompts: seconds per picture, and what llmos's own vision
recognises back in each picture (objects and their counts by the detector and classifier,
numbers and words by OCR), with a contact sheet for a person to judge.

    python bench/imagegen.py [--split check|tune] [--sheet contact.png]

The prompts and what each should show are in ``bench/data/imagegen_prompts.json``: a tuning
split, whose pictures the layout rules were fixed on, and a check split written afterwards and
reported. Runs in-process on the real kernel.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from llmos.capabilities.imagegen.icons import library
from llmos.errors import InvalidRequest
from llmos.fusion.imagegen import Composer
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.settings import Settings

PROMPTS = Path(__file__).parent / "data" / "imagegen_prompts.json"
SIZE = 512
THUMB = 192


def seen_words(facts) -> list[str]:
    """What the vision experts name in a picture: detected objects, labels and their kinds."""
    words = [o.label for o in facts.objects]
    words += [w for label in facts.labels for w in (label.name, *label.kinds)]
    return [w.lower() for w in words]


def recognised(case: dict, facts) -> tuple[int, int]:
    """(recognised, expected) items of a case: each object counted up to its count, each text."""
    seen, found, expected = seen_words(facts), 0, 0
    counts = facts.counts()
    for name, count in case.get("objects", {}).items():
        expected += count
        if name in counts:
            found += min(counts[name], count)
        elif any(name in word for word in seen):
            found += 1  # the classifier names a thing once, never how many
    text = " ".join(line.text for line in facts.text).lower()
    for word in case.get("text", []):
        expected += 1
        found += word.lower() in text
    return found, expected


def composed_as_asked(case: dict, drawn: tuple[str, ...]) -> tuple[int, int]:
    """(objects placed with the asked count, objects asked): the composer's own scene graph
    against the prompt's, by icon (so "猫" and "cat" are the same thing)."""
    icons = library()
    placed: dict[str, int] = {}
    for entry in drawn:
        words = entry.split(" on the ")[0].split()
        count = int(words.pop(0)) if words and words[0].isdigit() else 1
        icon = icons.find(" ".join(words))
        if icon is not None:
            placed[icon.name] = placed.get(icon.name, 0) + count
    asked = case.get("objects", {})
    right = 0
    for name, count in asked.items():
        icon = icons.find(name)
        right += icon is not None and placed.get(icon.name) == count
    return right, len(asked)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, default=Path("imagegen-contact-sheet.png"))
    parser.add_argument("--split", default="check", help="check (reported) or tune")
    args = parser.parse_args()
    cases = [c for c in json.loads(PROMPTS.read_text())["prompts"] if c["split"] == args.split]
    with tempfile.TemporaryDirectory() as home:
        kernel = Kernel(Settings(home=home, models_dir=Settings().models_dir), default_registry())
        await kernel.start()
        composer, vision = Composer(kernel), Vision(kernel)
        await composer.imagine("a clock at 1:00", size=64)  # loads nothing heavy; warms caches
        seconds, found, expected, refused_right, thumbs = [], 0, 0, 0, []
        as_asked = [0, 0]
        by_kind: dict[str, list[int]] = {}
        try:
            for case in cases:
                started = time.perf_counter()
                try:
                    picture = (await composer.imagine(case["prompt"], size=SIZE))[0]
                except InvalidRequest as error:
                    refused_right += bool(case.get("impossible"))
                    print(f"refused  {case['prompt']!r}: {error.message[:100]}", flush=True)
                    thumbs.append((case["prompt"], None))
                    continue
                seconds.append(time.perf_counter() - started)
                facts = await vision.facts(picture.png, "generated")
                hit, wanted = recognised(case, facts)
                if picture.kind == "scene":
                    right, asked = composed_as_asked(case, picture.drawn)
                    as_asked = [as_asked[0] + right, as_asked[1] + asked]
                found, expected = found + hit, expected + wanted
                tally = by_kind.setdefault(picture.kind, [0, 0])
                tally[0], tally[1] = tally[0] + hit, tally[1] + wanted
                print(
                    f"{seconds[-1]:5.1f} s  {hit}/{wanted}  {case['prompt']!r} -> "
                    f"{picture.description[:110]}  (seen: {', '.join(seen_words(facts)[:6])})",
                    flush=True,
                )
                thumbs.append((case["prompt"], picture.png))
        finally:
            await kernel.stop()
    impossible = sum(1 for c in cases if c.get("impossible"))
    print(
        f"\n{len(seconds)} pictures, median {statistics.median(seconds):.1f} s "
        f"(max {max(seconds):.1f} s); recognised back by llmos's vision: {found}/{expected} "
        f"= {found / expected:.0%}; impossible prompts refused: {refused_right}/{impossible}"
    )
    for kind, (hit, wanted) in sorted(by_kind.items()):
        print(f"  {kind}: {hit}/{wanted}")
    print(f"scene objects placed with the asked count: {as_asked[0]}/{as_asked[1]}")
    contact_sheet(thumbs, args.sheet)
    print(f"contact sheet: {args.sheet}")


def contact_sheet(thumbs: list[tuple[str, bytes | None]], path: Path) -> None:
    columns = 7
    rows = -(-len(thumbs) // columns)
    sheet = Image.new("RGB", (columns * THUMB, rows * (THUMB + 28)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (prompt, png) in enumerate(thumbs):
        x, y = index % columns * THUMB, index // columns * (THUMB + 28)
        if png is not None:
            sheet.paste(Image.open(io.BytesIO(png)).convert("RGB").resize((THUMB, THUMB)), (x, y))
        else:
            draw.text((x + 8, y + THUMB // 2), "(refused)", fill="grey")
        draw.text((x + 4, y + THUMB + 4), prompt[:30], fill="black")
    sheet.save(path)


if __name__ == "__main__":
    asyncio.run(main())
