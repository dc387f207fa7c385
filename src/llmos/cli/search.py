"""``llmos index`` and ``llmos search``, through the server (which reads the files: paths are
the server's, so run them on the same machine or name its folders)."""

from __future__ import annotations

import contextlib
import json
import signal
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TextColumn
from rich.table import Table

from llmos.cli.common import JsonOption, KeyOption, UrlOption, client_for, console, errors, or_exit
from llmos.sdk import LlmosClient
from llmos.sdk.results import Hit, IndexJob
from llmos.units import clock

POLL_SECONDS = 0.5
MAX_PATHS = 100  # per job, as the server takes them
WATCH_DEBOUNCE_MS = 1600  # changes in this window go in one job


def index(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to index.")],
    watch: Annotated[
        bool, typer.Option(help="Keep running; index what changes under the paths.")
    ] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Index images, audio, video and documents for `llmos search` (new and changed files;
    files that are gone leave the index). The server must allow the folders: LLMOS_INDEX_ROOTS."""
    with client_for(url, api_key) as client, interrupt_flag() as stop:
        try:
            job = _run(client, [str(p) for p in paths], as_json, stop)
            if stop.is_set():
                raise typer.Exit(130)
            if not watch:
                raise typer.Exit(1 if job.state != "done" else 0)
            _watch(client, paths, as_json, stop)
        except KeyboardInterrupt:  # Ctrl-C twice: stop waiting for the server
            raise typer.Exit(130) from None


class Interrupted:
    """Set by Ctrl-C; read with ``is_set`` (as watchfiles reads its ``stop_event``)."""

    def __init__(self) -> None:
        self.pressed = False

    def is_set(self) -> bool:
        return self.pressed

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` unless Ctrl-C comes first; whether it came."""
        deadline = time.monotonic() + seconds
        while not self.pressed and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        return self.pressed


@contextlib.contextmanager
def interrupt_flag() -> Iterator[Interrupted]:
    """Ctrl-C sets a flag instead of raising KeyboardInterrupt wherever the program is: one
    raised inside rich's live display can leave its lock held and deadlock its refresh thread,
    so that the command never exits. A second Ctrl-C raises as usual (a call that hangs)."""
    flag = Interrupted()

    def pressed(_signal, _frame) -> None:
        if flag.pressed:
            raise KeyboardInterrupt
        flag.pressed = True  # a plain attribute: a signal handler must take no lock

    previous = signal.signal(signal.SIGINT, pressed)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _watch(client: LlmosClient, paths: list[Path], as_json: bool, stop: Interrupted) -> None:
    """Index what changes under ``paths`` (in jobs of at most 100 paths) until Ctrl-C."""
    from watchfiles import watch as changes_under

    from llmos.sdk import ApiError

    console.print(f"watching {', '.join(map(str, paths))} (Ctrl-C stops)")
    watching = changes_under(
        *paths, debounce=WATCH_DEBOUNCE_MS, recursive=True, stop_event=stop, raise_interrupt=False
    )
    for changes in watching:
        changed = sorted({path for _change, path in changes})
        for first in range(0, len(changed), MAX_PATHS):
            if stop.is_set():
                return
            try:
                _run(client, changed[first : first + MAX_PATHS], as_json, stop)
            except ApiError as error:  # one refused batch does not end the watch
                errors.print(f"[red]error:[/] {escape(error.message)}")


def _run(client: LlmosClient, paths: list[str], as_json: bool, stop: Interrupted) -> IndexJob:
    """Start a job and follow it with a progress bar; print its summary and errors. Ctrl-C
    (``stop``) cancels the job."""
    job = or_exit(lambda: client.index(paths))
    job_id = job.id
    columns = (*Progress.get_default_columns(), TextColumn("{task.fields[current]}"))
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("indexing", total=None, current="")
        while job.state in ("queued", "running"):
            if stop.sleep(POLL_SECONDS):
                break
            job = or_exit(lambda: client.index_job(job_id))
            current = Path(job.current).name if job.current else ""
            progress.update(task, completed=job.done, total=job.files or None, current=current)
    if stop.is_set() and job.state in ("queued", "running"):
        job = or_exit(lambda: client.cancel_index_job(job_id))
        errors.print("cancelled: the file being indexed finishes; what is done stays indexed")
        return job
    if as_json:
        print(json.dumps(asdict(job), indent=2, ensure_ascii=False))
        return job
    console.print(
        f"{job.state}: {job.indexed} indexed, {job.unchanged} unchanged, "
        f"{job.removed} removed, {len(job.errors)} failed, of {job.files} files"
    )
    for skipped in job.skipped:
        errors.print(f"[yellow]skipped[/] for {skipped.files} files: {escape(skipped.what)}")
    for error in job.errors:
        errors.print(f"[red]failed[/] {escape(error.path)}: {escape(error.message)}")
    return job


def search(
    query: Annotated[str | None, typer.Argument(help="Words, in any language.")] = None,
    image: Annotated[
        Path | None, typer.Option(help="Find pictures like this one (and video frames).")
    ] = None,
    type: Annotated[str | None, typer.Option(help="image, audio, video or doc.")] = None,
    folder: Annotated[Path | None, typer.Option(help="Only files under this folder.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many results.")] = 10,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search indexed files by text, by image, or both; show why each one matched."""
    if query is None and image is None:
        errors.print("[red]error:[/] give a query, an --image, or both")
        raise typer.Exit(2)
    if image is not None and not image.is_file():
        errors.print(f"[red]error:[/] no such file: {image}")
        raise typer.Exit(2)
    with client_for(url, api_key) as client, errors.status("searching…"):
        results = or_exit(
            lambda: client.search(query, image=image, type=type, folder=folder, limit=limit)
        )
    if as_json:
        print(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
        return
    if not results:
        console.print("nothing found (is the folder indexed? `llmos index PATH`)")
        return
    table = Table("#", "FILE", "TYPE", "WHY")
    for rank, result in enumerate(results, start=1):
        table.add_row(str(rank), escape(result.path), result.type, escape(why(result)))
    console.print(table)


def why(result: Hit) -> str:
    """The matched text, with where in the file it is: page, time span."""
    found = result.why
    text = " ".join(found.text.split())
    text = text if len(text) <= 120 else text[:117] + "..."
    if found.page:
        return f"page {found.page}: {text}"
    if found.start is not None:
        return f"{clock(found.start)}-{clock(found.end or found.start)}: {text}"
    return f"{found.kind}: {text}"
