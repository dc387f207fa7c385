"""``llmos eval``: score llmos on its bundled reference data, in this process."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from llmos.cli.common import JsonOption, console, errors, load_settings
from llmos.errors import LlmosError

app = typer.Typer(
    help="Score llmos on bundled reference data (runs the models in this process).",
    no_args_is_help=True,
)


@app.command()
def vision(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Chat model that words the replies, or looks at the photos when it has a "
            "vision projector [default: LLMOS_VISION_MODEL, else the default chat model].",
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Evaluate only these cases (repeatable).")
    ] = None,
    stamps: Annotated[
        int,
        typer.Option(
            min=0,
            help="Instead, caption and question this many Tux Paint stamps (the check set: "
            "pictures nobody here chose; needs `apt-get install tuxpaint-stamps-default "
            "wordnet-base`).",
        ),
    ] = 0,
    split: Annotated[
        str, typer.Option(help="The stamps' half: check (the measurement) or tune.")
    ] = "check",
    backgrounds: Annotated[
        str, typer.Option(help="Grounds the stamps are put on: plain, blurred, noise.")
    ] = "plain,blurred,noise",
    as_json: JsonOption = False,
) -> None:
    """Captions (CIDEr-D, BLEU-4, invented items), answers (right / abstained / wrong), OCR
    character accuracy and expert timings on scikit-image's photos (the set llmos's rules
    were tuned on); with --stamps, the check set of Tux Paint stamps."""
    from llmos.eval.vision import bundled_cases, step_count

    if stamps:
        _stamps(model, stamps, split, tuple(backgrounds.split(",")), as_json)
        return
    try:
        cases = bundled_cases(set(only) if only else None)
    except ValueError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    settings = load_settings()
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("evaluating", total=step_count(cases))

        def step(what: str) -> None:
            progress.update(task, advance=1, description=escape(what))

        try:
            report = asyncio.run(_evaluate(settings, cases, model, step))
        except LlmosError as error:  # a missing extra or model, a model that failed to load
            progress.stop()
            errors.print(f"[red]error:[/] {escape(error.message)}")
            raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(asdict(report), indent=2, ensure_ascii=False))
    else:
        _print_report(report)


def _stamps(model, limit: int, split: str, backgrounds: tuple[str, ...], as_json: bool) -> None:
    from llmos.eval.stamps import BACKGROUNDS, cases
    from llmos.eval.vision_stamps import evaluate_stamps

    unknown = set(backgrounds) - set(BACKGROUNDS)
    if split not in ("tune", "check") or unknown:
        errors.print(f"[red]error:[/] --split is tune or check; --backgrounds from {BACKGROUNDS}")
        raise typer.Exit(2)
    settings = load_settings()
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("evaluating", total=limit * len(backgrounds))

        def step(what: str) -> None:
            progress.update(task, advance=1, description=escape(what))

        chosen = cases(split, backgrounds=backgrounds, limit=limit)
        try:
            report = asyncio.run(_evaluate(settings, chosen, model, step, run=evaluate_stamps))
        except (LlmosError, FileNotFoundError) as error:  # no model, no stamps or WordNet
            progress.stop()
            errors.print(f"[red]error:[/] {escape(getattr(error, 'message', str(error)))}")
            raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(asdict(report), indent=2, ensure_ascii=False))
        return
    console.print(
        f"{split} half ({', '.join(backgrounds)}), {report.summary()}",
        highlight=False,
    )


async def _evaluate(settings, cases, model, step, *, run=None):
    from llmos.eval.vision import evaluate
    from llmos.fusion.vision import Vision
    from llmos.kernel import Kernel, default_registry

    kernel = Kernel(settings, default_registry(aliases_file=settings.aliases_file))
    vision = Vision(
        kernel, vision_model=settings.vision_model, with_facts=settings.vision_model_facts
    )
    vision.chat_model(model)  # an unknown model fails now, not after the experts
    await kernel.start()
    try:
        return await (run or evaluate)(vision, cases, model=model, step=step)
    finally:
        await kernel.stop()


def _print_report(report) -> None:
    captions = Table("image", "caption", "source", "invented", title="Captions")
    for c in report.caption_results:
        captions.add_row(c.name, escape(c.caption), c.source, ", ".join(c.invented) or "-")
    console.print(captions)
    answers = Table("image", "question", "answer", "expected", "outcome", title="Questions")
    for a in report.answer_results:
        colour = {"right": "green", "abstained": "yellow", "wrong": "red"}[a.outcome]
        expected = " / ".join(a.accepted) or "(cannot tell)"
        answers.add_row(
            a.name, escape(a.question), escape(a.answer), expected, f"[{colour}]{a.outcome}[/]"
        )
    console.print(answers)
    n = sum(report.answers.values())
    share = {k: f"{v} ({v / max(1, n):.0%})" for k, v in report.answers.items()}
    lines = [
        f"images: {report.images}",
        f"captions: CIDEr-D {report.captions.cider_d:.3f}, BLEU-4 {report.captions.bleu_4:.3f}, "
        f"BLEU-1 {report.captions.bleu_1:.3f} (the template alone: "
        f"{report.template_captions.cider_d:.3f}, {report.template_captions.bleu_4:.3f}, "
        f"{report.template_captions.bleu_1:.3f})",
        f"invented items per caption: {report.invented_per_caption:.2f} (target <= 0.33); "
        f"LLM rewordings rejected for unseen things: {report.llm_rewordings_rejected}",
        f"answers: {n}: right {share['right']}, abstained {share['abstained']}, "
        f"wrong {share['wrong']} (target wrong <= 20%)",
    ]
    if report.ocr_character_accuracy is not None:
        lines.append(f"OCR character accuracy: {report.ocr_character_accuracy:.1%}")
    timings = ", ".join(f"{name} {ms:.0f}" for name, ms in report.expert_ms.items())
    by = ", ".join(f"by {who} {ms:.0f}" for who, ms in report.answer_ms.items())
    routed = sum(a.by == "expert" for a in report.answer_results)
    lines.append(f"answers settled by an expert in code: {routed} of {n}")
    lines.append(f"median ms: {timings}; caption {report.caption_ms:.0f}; answer {by}")
    console.print("\n".join(lines), highlight=False)
