"""``llmos train`` and ``llmos evaluate``: llmos.learn's runs, in this process (not the
server's: training is the machine's only job while it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from llmos.cli.common import console, errors


def train(
    config: Annotated[Path, typer.Argument(help="A TOML run config (docs/learn.md).")],
    epochs: Annotated[int | None, typer.Option(help="Override the config's epochs.")] = None,
    output: Annotated[Path | None, typer.Option(help="Override the output folder.")] = None,
) -> None:
    """Train a model as the config says; a run that was interrupted resumes."""
    from llmos.errors import LlmosError

    try:
        from llmos.learn.config import GeneratorConfig, LitConfig, load_config
        from llmos.learn.train import train as run

        settings = load_config(config, epochs=epochs, output=output)
        if isinstance(settings, LitConfig):
            _train_lit(settings)
            return
        if isinstance(settings, GeneratorConfig):
            _train_generator(settings)
            return
        columns = (TextColumn("{task.fields[stage]}"), BarColumn(),
                   TextColumn("loss {task.fields[loss]:.3f}  {task.fields[rate]:.0f} ex/s"),
                   TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=errors, transient=True) as progress:
            task = progress.add_task("train", total=None, stage="", loss=0.0, rate=0.0)

            def show(stage: str, step: int, steps: int, loss: float, rate: float) -> None:
                progress.update(
                    task, completed=step, total=steps, stage=stage, loss=loss, rate=rate
                )

            outcome = run(settings, progress=show)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(2) from None
    if outcome.resumed_from is not None:
        console.print(f"resumed after epoch {outcome.resumed_from}")
    stop = " (stopped early)" if outcome.stopped_early else ""
    console.print(
        f"{outcome.epochs} epochs{stop}; best validation accuracy "
        f"{outcome.validation_accuracy:.3f} at epoch {outcome.best_epoch}; "
        f"model: {settings.output / 'model.pt'}"
    )


def _train_lit(config) -> None:
    """Features through this process's kernel (cached), the heads, the test split's scores."""
    import asyncio

    from llmos.cli.common import load_settings
    from llmos.learn.lit_run import run_lit

    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.fields[detail]}"))  # fmt: skip
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("starting", total=None, detail="")

        def stage(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total or None)

        def show(step: int, steps: int, loss: float, mrr: float | None) -> None:
            detail = f"loss {loss:.3f}" + (f"  validation MRR {mrr:.3f}" if mrr else "")
            progress.update(task, description="training", completed=step, total=steps,
                            detail=detail)  # fmt: skip

        outcome = asyncio.run(run_lit(config, load_settings(), stage=stage, progress=show))
    record = outcome.record
    console.print(
        f"pairs {outcome.pairs}; {record['steps']} steps, best validation MRR "
        f"{record['validation_mrr']:.3f} at step {record['best_step']} "
        f"({record['validation_mrr_at_start']:.3f} at the start)"
    )
    for name, (forward, backward) in (("LiT", outcome.lit), ("ConSE", outcome.conse)):
        console.print(f"test {name:6s} text->image {forward.line()}")
        console.print(f"test {name:6s} image->text {backward.line()}")
    console.print(f"model: {outcome.path} (the server serves it after its next start)")


def _train_generator(config) -> None:
    """The scenes' VAE trained, scored on unseen captions, exported for the server."""
    from llmos.cli.common import load_settings
    from llmos.learn.generator_run import run_generator

    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("loss {task.fields[loss]:.1f}"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("training", total=None, loss=0.0)

        def show(stage: str, step: int, steps: int, loss: float) -> None:
            progress.update(task, description=stage, completed=step, total=steps, loss=loss)

        settings = load_settings()
        outcome = run_generator(config, settings.home, progress=show)
    console.print(f"trained in {outcome.seconds:.0f} s; loss {outcome.losses[-1]:.1f}")
    for what, rates in outcome.scores.items():
        console.print(
            f"test captions, {what}: colours right {rates['colours']:.1%}, "
            f"colours and order right {rates['order']:.1%}"
        )
    served = outcome.path.parent == settings.generators_dir
    console.print(
        f"model: {outcome.path} "
        + (f"(the server serves it after its next start, as /v1/images/generations model "
           f"{outcome.path.stem!r})" if served else
           f"(copy it into {settings.generators_dir} for the server to serve it)")
    )  # fmt: skip


def evaluate(
    model: Annotated[
        Path, typer.Argument(help="A model `llmos train` wrote: model.pt, NAME.npz or NAME.pt2.")
    ],
    split: Annotated[str, typer.Option(help="test or validation.")] = "test",
) -> None:
    """Score a trained model on a held-out split: a VQA model's accuracy, a LiT space's
    retrieval beside ConSE's, a generator's drawings of unseen captions."""
    from llmos.errors import LlmosError

    try:
        if model.suffix == ".npz":
            _evaluate_space(model, split)
        elif model.suffix == ".pt2":
            from llmos.learn.generator_run import evaluate_file

            if split != "test":
                raise typer.BadParameter("a generator is scored on the test captions only")
            rates = evaluate_file(model)
            console.print(
                f"test captions: colours right {rates['colours']:.1%}, "
                f"colours and order right {rates['order']:.1%}"
            )
        else:
            from llmos.learn.train import evaluate as score

            console.print(f"{split} accuracy {score(model, split):.3f}")
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(2) from None


def _evaluate_space(model: Path, split: str) -> None:
    import asyncio

    from llmos.cli.common import load_settings
    from llmos.learn.lit_run import evaluate_space

    part = {"validation": "val"}.get(split, split)
    lit, conse = asyncio.run(evaluate_space(model, load_settings(), part))
    for name, (forward, backward) in ((model.stem, lit), ("ConSE", conse)):
        console.print(f"{split} {name} text->image {forward.line()}")
        console.print(f"{split} {name} image->text {backward.line()}")
