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
from llmos.learn.generator import SceneVae, check, vae_loss


def as_rgb(batch: torch.Tensor) -> list[np.ndarray]:
    return [(p.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for p in batch]


def rates(drawn: list[np.ndarray], made: list[scenes.Scene]) -> str:
    judged = [check(p, s) for p, s in zip(drawn, made, strict=True)]
    colours = sum(j["colours"] for j in judged) / len(judged)
    order = sum(j["order"] for j in judged) / len(judged)
    return f"colours right {colours:.1%}, colours and order right {order:.1%}"


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
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    train = scenes.scenes("train", args.train)
    seen, captions = scenes.pictures(train), [s.caption() for s in train]
    model = SceneVae()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train))
        total = 0.0
        for first in range(0, len(order), 64):
            batch = order[first : first + 64]
            beta = min(1.0, epoch / 5)  # KL annealed in over five epochs
            loss = vae_loss(model, seen[batch], [captions[i] for i in batch], beta)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch}: loss {total / len(train):.1f}", flush=True)
    print(f"trained in {time.perf_counter() - started:.0f} s on {args.train} scenes")
    test = scenes.scenes("test", args.test)
    asked = [s.caption() for s in test]
    generator = torch.Generator().manual_seed(args.seed)
    drawn = as_rgb(torch.cat([model.sample(asked[i : i + 100], generator)
                              for i in range(0, len(asked), 100)]))  # fmt: skip
    print(f"rendered scenes (the check's ceiling): {rates(as_rgb(scenes.pictures(test)), test)}")
    print(f"drawn for the caption:                 {rates(drawn, test)}")
    shifted = test[1:] + test[:1]  # each drawing judged against the next scene's caption
    print(f"drawn for another caption:             {rates(drawn, shifted)}")
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
