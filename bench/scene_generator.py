"""The text-conditional generator (llmos.learn.generator, a conditional VAE at 64x64) on the
compositional scenes: trained on the training scenes' captions and pictures, then asked to draw
the test scenes' captions, which it never saw.

    python bench/scene_generator.py [--train 5000] [--epochs 15] [--seed 0] [--vision 40]
        [--save DIR]

Scored by code that knows the scenes (``generator.check``: the caption's colours and no other,
left to right in the caption's order) against two references scored the same way: the scenes'
own renderings (what the check allows at best) and pictures drawn for another scene's caption
(what ignoring the caption scores). With ``--vision N``, llmos's own vision names the colours of
N drawn pictures (upscaled to 256 pixels): how often it names every colour the caption asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from llmos.learn import scenes
from llmos.learn.config import GeneratorConfig
from llmos.learn.generator_run import as_rgb, draw, fit, rates


def line(shares: dict[str, float]) -> str:
    return f"colours right {shares['colours']:.1%}, colours and order right {shares['order']:.1%}"


async def named_by_vision(drawn: list[np.ndarray], made: list[scenes.Scene]) -> float:
    from llmos.fusion.vision import Vision
    from llmos.kernel import Kernel
    from llmos.kernel.registry import default_registry
    from llmos.settings import Settings

    kernel = Kernel(Settings(models_dir=Settings().models_dir), default_registry())
    await kernel.start()
    try:
        vision, named = Vision(kernel), 0
        for picture, scene in zip(drawn, made, strict=True):
            out = io.BytesIO()
            Image.fromarray(picture).resize((256, 256), Image.Resampling.NEAREST).save(out, "PNG")
            facts = await vision.facts(out.getvalue())
            named_colours = [
                *facts.photo.colours,
                *(facts.subject.colours if facts.subject else ()),
            ]
            said = " ".join(named_colours + [c for o in facts.objects for c in o.colours]).lower()
            named += all(t.colour in said for t in scene.things)
        return named / len(drawn)
    finally:
        await kernel.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--vision", type=int, default=40)
    parser.add_argument("--save", type=Path, default=None, help="write some drawings here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    config = GeneratorConfig(
        task="scene-vae", train_size=args.train, test_size=args.test, epochs=args.epochs,
        seed=args.seed,
    )  # fmt: skip
    started = time.perf_counter()
    model, losses = fit(config)
    print(f"losses by epoch: {', '.join(f'{x:.1f}' for x in losses)}")
    print(f"trained in {time.perf_counter() - started:.0f} s on {args.train} scenes")
    test = scenes.scenes("test", args.test)
    asked = [s.caption() for s in test]
    drawn = draw(model, asked, args.seed)
    print(
        f"rendered scenes (the check's ceiling): {line(rates(as_rgb(scenes.pictures(test)), test))}"
    )
    print(f"drawn for the caption:                 {line(rates(drawn, test))}")
    shifted = test[1:] + test[:1]  # each drawing judged against the next scene's caption
    print(f"drawn for another caption:             {line(rates(drawn, shifted))}")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for i in range(12):
            Image.fromarray(drawn[i]).save(args.save / f"{i:02d}.png")
            (args.save / f"{i:02d}.txt").write_text(asked[i] + "\n")
    if args.vision:
        share = asyncio.run(named_by_vision(drawn[: args.vision], test[: args.vision]))
        few = test[: args.vision]
        real = asyncio.run(named_by_vision(as_rgb(scenes.pictures(few)), few))
        print(f"llmos's vision names every asked colour: drawn {share:.0%}, rendered {real:.0%}")


if __name__ == "__main__":
    main()
