"""The ``llmos`` command line: serve, inspect and manage models."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from llmos import __version__
from llmos.cli import (
    apps,
    audio,
    chat,
    evaluate,
    imagine,
    learn,
    models,
    search,
    translate,
    vision,
)
from llmos.cli.common import (
    JsonOption,
    KeyOption,
    UrlOption,
    client_for,
    console,
    duration_text,
    errors,
    load_settings,
    or_exit,
    size_text,
    whole_names,
)
from llmos.cli.mcp import mcp

app = typer.Typer(
    name="llmos",
    help="A local, fully offline multimodal LLM operating system.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # click's plain help: paragraphs rewrapped, no markup to escape
    context_settings={"help_option_names": ["-h", "--help"]},
)


app.command("chat")(chat.chat)
app.command("run")(chat.run)
app.command("transcribe")(audio.transcribe)
app.command("speak")(audio.speak)
app.command("subtitle")(audio.subtitle)
app.command("caption")(vision.caption)
app.command("ask")(vision.ask)
app.command("ocr")(vision.ocr)
app.command("detect")(vision.detect)
app.command("translate")(translate.translate)
app.command("imagine")(imagine.imagine)
app.command("index")(search.index)
app.command("search")(search.search)
app.command("train")(learn.train)
app.command("evaluate")(learn.evaluate)
app.command("mcp")(mcp)
app.command("models")(models.models)
app.command("list", hidden=True)(models.models)  # as `ollama list`
app.command("ls", hidden=True)(models.models)
app.command("create")(models.create)
app.command("show")(models.show)
app.command("rm")(models.rm)
app.command("pull")(models.pull)
app.add_typer(evaluate.app, name="eval")
app.add_typer(apps.app, name="app")


def main() -> None:
    app()


def _print_version(wanted: bool) -> None:
    if wanted:
        print(__version__)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A local, fully offline multimodal LLM operating system."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000].")] = None,
) -> None:
    """Start the OpenAI-compatible server. Models load on first use."""
    import uvicorn

    from llmos.api import create_app
    from llmos.errors import LlmosError
    from llmos.kernel.memory import return_freed_memory_to_the_os

    return_freed_memory_to_the_os()  # a process-wide setting: work memory released leaves RSS
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = load_settings(**overrides)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        server = create_app(settings)
    except LlmosError as error:  # a setting that names what is not there
        errors.print(f"[red]error:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(
        f"llmos {__version__} serving on {settings.base_url} (data: {settings.home})",
        soft_wrap=True,
    )
    uvicorn.run(
        server,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def ps(url: UrlOption = None, api_key: KeyOption = None, as_json: JsonOption = False) -> None:
    """Show the models the server has loaded."""
    with client_for(url, api_key) as client:
        status = or_exit(client.ps)
    if as_json:
        print(json.dumps(asdict(status), indent=2))
        return
    table = Table("NAME", "CAPABILITY", "RSS", "BUDGETED", "IN USE", "IDLE", "UNLOADS IN")
    whole_names(table, [model.name for model in status.models])
    for model in status.models:
        table.add_row(
            model.name,
            model.capability,
            size_text(model.rss_bytes),
            size_text(model.memory_bytes),
            str(model.in_use),
            duration_text(model.idle_seconds),
            "never (pinned)" if model.pinned else duration_text(model.expires_in),
        )
    console.print(table)
    console.print(
        f"memory: {size_text(status.memory_used_bytes)} budgeted of "
        f"{size_text(status.memory_budget_bytes)}"
    )


@app.command()
def load(
    model: Annotated[str, typer.Argument(help="Model name, see `llmos models`.")],
    keep_alive: Annotated[
        str | None, typer.Option(help="'5m', '1h', seconds, or -1 to pin it.")
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Load a model on the server now, instead of on first use."""
    with client_for(url, api_key) as client, errors.status(f"loading {model}…"):
        or_exit(lambda: client.load(model, keep_alive=keep_alive))
    console.print(f"{model} is loaded")


@app.command()
def unload(
    model: Annotated[str, typer.Argument(help="Model name.")],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Unload a model from the server (when busy, as soon as its last call ends)."""
    with client_for(url, api_key) as client:
        outcome = or_exit(lambda: client.unload(model))
    messages = {
        "unloaded": "unloaded",
        "pending": "will unload when its current calls end",
        "not_loaded": "was not loaded",
    }
    console.print(f"{model} {messages[outcome]}")


@app.command()
def version() -> None:
    """Print the llmos version."""
    print(__version__)


@app.command()
def doctor(as_json: JsonOption = False) -> None:
    """Check that every bundled model is installed and loads, and report disk and RAM."""
    from llmos.capabilities import LoadContext
    from llmos.cli.doctor import check_machine, check_model
    from llmos.kernel import default_registry

    settings = load_settings()
    machine = check_machine(settings.home)
    checks = []
    specs = (
        default_registry(settings.aligned_dir, settings.generators_dir, settings.aliases_file)
        .with_parallel(settings.chat_slots)
        .models
    )
    with errors.status("checking models…") as status:
        for index, spec in enumerate(specs, start=1):
            status.update(f"loading {spec.name} ({index}/{len(specs)})…")
            threads = min(spec.threads, machine.cpu_count)
            context = LoadContext(threads, settings.models_dir, parallel=spec.parallel)
            checks.append(check_model(spec, context))
    healthy = all(check.loaded for check in checks)
    if as_json:
        report = {"ok": healthy, "machine": asdict(machine), "models": [asdict(c) for c in checks]}
        print(json.dumps(report, indent=2))
    else:
        console.print(
            f"Python {machine.python}, {machine.cpu_count} CPUs, RAM "
            f"{size_text(machine.ram_available_bytes)} free of "
            f"{size_text(machine.ram_total_bytes)}, "
            f"disk {size_text(machine.disk_free_bytes)} free at {machine.data_dir}"
        )
        table = Table("MODEL", "PACKAGE", "STATUS", "LOAD", "RSS")
        for check in checks:
            package = f"{check.package} {check.package_version or ''}".strip()
            state = "[green]ok[/]" if check.loaded else f"[red]{escape(check.problem or '')}[/]"
            table.add_row(
                check.model,
                package,
                state,
                f"{check.load_seconds:.1f} s",
                size_text(check.rss_bytes),
            )
        console.print(table)
    if not healthy:
        raise typer.Exit(1)
