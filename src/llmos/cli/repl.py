"""``llmos run``: an interactive chat as ``ollama run`` has it, in stored conversations.

Line editing and history come from readline (kept in ``HOME/run_history``); Ctrl-C stops an
answer (the server stops generating) and never the session; Ctrl-D or ``/bye`` leaves.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from llmos.cli.common import console, errors, load_settings, size_text
from llmos.sdk import ApiError, LlmosClient, ServerUnreachable

PROMPT, MORE = ">>> ", "... "
TALKS = ("chat", "assistant", "app")  # what `llmos run` can talk to
HELP = """Available commands:
  /set temperature N   0 for the most likely answer (up to 2)
  /set max_tokens N    the longest answer, in tokens (also: num_predict)
  /set system TEXT     a system message (a new conversation starts with it)
  /show                the model and this session's settings
  /list                your stored conversations
  /load ID             resume a stored conversation
  /clear               start a new conversation
  /bye                 leave (or Ctrl-D)
  /?, /help            this help

Use \"\"\" to begin and end a message of several lines. Ctrl-C stops an answer."""


@dataclass
class Session:
    model: str
    capability: str
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    conversation: str | None = None


class Leave(Exception):
    """/bye, or Ctrl-D at the prompt."""


def run_session(client: LlmosClient, model: str | None) -> None:
    """Check and load the model, then read and answer until /bye or Ctrl-D."""
    # Ctrl-C stops answers here even when started from a script that ignores SIGINT (a
    # shell's background jobs inherit that): a session at a terminal is for a person
    signal.signal(signal.SIGINT, signal.default_int_handler)
    session = _open(client, model)
    _history(load_settings().home / "run_history")
    say('Send a message (/? for help, """ for several lines).')
    while True:
        try:
            line = _read_message()
        except Leave:
            break
        except KeyboardInterrupt:
            say("\nUse Ctrl + d or /bye to exit.")
            continue
        if not line.strip():
            continue
        try:
            if line.lstrip().startswith("/"):
                _command(client, session, line.strip())
            else:
                _turn(client, session, line)
        except Leave:
            break
        except KeyboardInterrupt:  # during /list, /load, or starting a conversation
            say("\n(stopped)")
        except (ApiError, ServerUnreachable) as error:  # the session goes on
            errors.print(
                f"[red]error:[/] {escape(getattr(error, 'message', str(error)))}", soft_wrap=True
            )


def _open(client: LlmosClient, model: str | None) -> Session:
    """The model, checked before the first message and loaded behind a spinner."""
    from llmos.cli.common import or_exit

    info = or_exit(lambda: client.model_info(model) if model else client.default_model("chat"))
    if info.capability not in TALKS:
        errors.print(
            f"[red]error:[/] {info.id} is a {info.capability} model; `llmos run` needs a chat "
            "model (see `llmos models`)."
        )
        raise typer.Exit(1)
    if info.capability == "chat" and not info.loaded:
        with errors.status(f"loading {info.id}…"):
            or_exit(lambda: client.load(info.id))
    return Session(model=info.id, capability=info.capability)


def _read_message() -> str:
    """One message: a line, or the lines between two \"\"\"."""
    try:
        line = input(PROMPT)
    except EOFError:
        console.print()
        raise Leave from None
    if not line.lstrip().startswith('"""'):
        return line
    first = line.lstrip()[3:]
    if first.rstrip().endswith('"""'):  # """all on one line"""
        return first.rstrip()[:-3]
    lines = [first]
    while True:
        try:
            more = input(MORE)
        except EOFError:
            break
        if more.rstrip().endswith('"""'):
            lines.append(more.rstrip()[:-3])
            break
        lines.append(more)
    return "\n".join(lines).strip("\n")


def _turn(client: LlmosClient, session: Session, text: str) -> None:
    if session.conversation is None:
        session.conversation = client.new_conversation(
            model=session.model, system=session.system, title=" ".join(text.split())[:60]
        )
    pieces = client.say(
        session.conversation, text, temperature=session.temperature,
        max_tokens=session.max_tokens,
    )  # fmt: skip
    print_stream(pieces)


def say(text: str) -> None:
    """A note of the session's, dim, printed as it is (no markup, no highlighting)."""
    console.print(text, style="dim", markup=False, highlight=False, soft_wrap=True)


def print_stream(pieces) -> bool:
    """Print a streamed answer, a spinner until its first piece (a model may be loading);
    Ctrl-C stops it, and closing the stream stops the server's generation. Whether the whole
    answer came (False: stopped)."""
    spinner = errors.status("") if errors.is_terminal else None
    if spinner is not None:
        spinner.start()
    whole = True
    try:
        for piece in pieces:
            if spinner is not None:
                spinner.stop()
                spinner = None
            console.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    except KeyboardInterrupt:
        pieces.close()
        console.print("\n(stopped)", style="dim", end="", markup=False, highlight=False)
        whole = False
    finally:
        if spinner is not None:
            spinner.stop()
    console.print()
    return whole


def _command(client: LlmosClient, session: Session, line: str) -> None:
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if word == "/bye":
        raise Leave
    if word in ("/?", "/help"):
        console.print(HELP, markup=False, highlight=False)
    elif word == "/clear":
        session.conversation = None
        say("Cleared: the next message starts a new conversation.")
    elif word == "/set":
        _set(session, rest)
    elif word == "/show":
        _show(client, session)
    elif word == "/list":
        _list(client)
    elif word == "/load":
        _load(client, session, rest)
    else:
        errors.print(f"Unknown command {escape(repr(word))}. Type /? for help.", soft_wrap=True)


def _set(session: Session, rest: str) -> None:
    name, _, value = rest.partition(" ")
    value = value.strip()
    try:
        if name == "system":
            if not value:
                raise ValueError("say the system message: /set system You are terse.")
            session.system, session.conversation = value, None
            say("Set the system message; a new conversation starts.")
        elif name == "temperature":
            temperature = float(value)
            if not 0 <= temperature <= 2:
                raise ValueError("the temperature goes from 0 to 2")
            session.temperature = temperature
            say(f"Set temperature to {temperature:g}.")
        elif name in ("max_tokens", "num_predict"):
            tokens = int(value)
            if tokens < 1:
                raise ValueError("max_tokens is at least 1")
            session.max_tokens = tokens
            say(f"Set max_tokens to {tokens}.")
        else:
            raise ValueError("use /set temperature N, /set max_tokens N or /set system TEXT")
    except ValueError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}", soft_wrap=True)


def _show(client: LlmosClient, session: Session) -> None:
    table = Table(show_header=False, box=None)
    rows = [("model", session.model), ("capability", session.capability)]
    if session.capability == "chat":
        info = client.model_info(session.model)
        rows += [("description", info.description), ("loaded", str(info.loaded)),
                 ("memory when loaded", size_text(info.memory_bytes))]  # fmt: skip
    rows += [
        ("temperature", "the model's default" if session.temperature is None
         else f"{session.temperature:g}"),
        ("max_tokens", str(session.max_tokens or "no limit but the context")),
        ("system", session.system or "none"),
        ("conversation", session.conversation or "a new one with the next message"),
    ]  # fmt: skip
    for key, value in rows:
        table.add_row(key, escape(value))
    console.print(table)


def _list(client: LlmosClient) -> None:
    found = client.conversations()
    if not found:
        say("No stored conversations yet.")
        return
    table = Table("ID", "TITLE", "MODEL", "UPDATED")
    for conversation in found:
        updated = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.updated_at))
        table.add_row(conversation.id, escape(conversation.title), conversation.model or "default",
                      updated)  # fmt: skip
    console.print(table)
    say("Resume one with /load ID.")


def _load(client: LlmosClient, session: Session, conversation_id: str) -> None:
    if not conversation_id:
        errors.print("Say which: /load ID (see /list).")
        return
    conversation = client.conversation(conversation_id)
    session.conversation = conversation.id
    session.system = conversation.system
    if conversation.model:
        session.model = conversation.model
    say(f"Resumed {conversation.title or conversation.id!r} with {session.model}:")
    for message in conversation.messages[-4:]:
        who = ">>> " if message.role == "user" else ""
        text = message.details.get("typed", message.content)  # not what was read from files
        console.print(f"{who}{text}", markup=False, highlight=False, soft_wrap=True)


def _history(path: Path) -> None:
    """Line editing and a history kept across sessions, where readline exists."""
    try:
        import readline
    except ImportError:  # no readline on this Python: plain input still works
        return
    import atexit
    import contextlib

    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # none yet
        readline.read_history_file(path)
    readline.set_history_length(1000)
    atexit.register(readline.write_history_file, path)
