"""The vision check on pictures nobody here chose: the Tux Paint stamps' photographs
(eval/stamps.py), captions and questions scored as eval/vision_stamps.py says, tuning and check
halves side by side.

    python bench/vision_stamps.py [--backgrounds plain,blurred,noise] [--limit N] [--model M]
        [--split tune,check] [--show]

Every threshold and rule was chosen on the tuning half; the check half is the measurement.
Runs in-process on the real kernel (the chat model words captions and open answers).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile

from llmos.eval.stamps import cases
from llmos.eval.vision_stamps import evaluate_stamps
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.settings import Settings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backgrounds", default="plain,blurred,noise")
    parser.add_argument("--limit", type=int, default=None, help="stamps per split, spread")
    parser.add_argument("--split", default="tune,check")
    parser.add_argument("--model", default=None, help="chat model (default: the default)")
    parser.add_argument("--show", action="store_true", help="print every stamp's outcome")
    args = parser.parse_args()
    backgrounds = tuple(args.backgrounds.split(","))
    with tempfile.TemporaryDirectory() as home:
        kernel = Kernel(Settings(home=home, models_dir=Settings().models_dir), default_registry())
        await kernel.start()
        try:
            vision = Vision(kernel)
            reports = {}
            for split in args.split.split(","):
                chosen = cases(split, backgrounds=backgrounds, limit=args.limit)
                reports[split] = report = await evaluate_stamps(vision, chosen, model=args.model)
                if args.show:
                    for r in report.results:
                        wrong = [f"{q} -> {a}" for q, a, o in r.answers if o == "wrong"]
                        print(f"{split} {r.caption_outcome:6s} {r.thing:16s} {r.caption[:70]}"
                              f" | wrong: {'; '.join(wrong)}")  # fmt: skip
        finally:
            await kernel.stop()
    print(f"backgrounds: {', '.join(backgrounds)}; model: {args.model or 'default'}")
    for split, report in reports.items():
        print(f"{split:5s} {report.summary()}")


if __name__ == "__main__":
    asyncio.run(main())
