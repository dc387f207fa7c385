"""llmos as an MCP server: its capabilities as tools over stdio, for any MCP client.

``llmos mcp`` speaks the Model Context Protocol on stdin/stdout (the ``mcp`` SDK's low-level
server) and answers every tool call through an llmos client: a running server's
(``--url``), or this process's own (``LocalClient``), so an MCP client that starts
``llmos mcp`` gets offline vision, speech, translation, search and drawing with nothing else
running. Tools take local file paths for pictures and audio, as they are on this machine.

Arguments are checked against each tool's JSON schema before anything runs; a failure (a bad
argument, a missing file, llmos's own 4xx) comes back as a tool error with llmos's message,
never as a crash of the server. A call gets an answer within ``TIMEOUT_SECONDS``: through a
server, a call given up is cancelled there; in this process, the work it started finishes
in the background (the kernel cannot be interrupted from here) and later calls wait for it.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import jsonschema

from llmos.sdk import ApiError, LlmosClient, ServerUnreachable
from llmos.sdk.results import Why

log = logging.getLogger(__name__)

Json = dict[str, Any]
Content = list[Any]  # mcp.types content blocks
TIMEOUT_SECONDS = 300.0  # a long transcription or a cold model load on two cores


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str
    schema: Json  # the arguments' JSON schema
    run: Callable[[LlmosClient, Json], Content]  # in a worker thread


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no file at {value!r}; give the path of a file on this machine")
    return path


def _text(text: str) -> Content:
    from mcp import types

    return [types.TextContent(text=text)]


def _caption(client: LlmosClient, args: Json) -> Content:
    return _text(client.caption(_path(args["image"])).text)


def _ask(client: LlmosClient, args: Json) -> Content:
    answer = client.ask(_path(args["image"]), args["question"])
    return _text(f"{answer.answer}\n(evidence: {answer.evidence})")


def _ocr(client: LlmosClient, args: Json) -> Content:
    return _text(client.ocr(_path(args["file"])).text or "(no text found)")


def _transcribe(client: LlmosClient, args: Json) -> Content:
    body = json.loads(client.transcribe(
        _path(args["audio"]), response_format="verbose_json", language=args.get("language")
    ))  # fmt: skip
    lines = [f"[{s['start']:.1f}-{s['end']:.1f}] {s['text'].strip()}" for s in body["segments"]]
    return _text("\n".join(lines) or "(no speech)")


def _speak(client: LlmosClient, args: Json) -> Content:
    import tempfile

    from mcp import types

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "speech.wav"
        client.speak(args["text"], out)
        data = base64.b64encode(out.read_bytes()).decode()
    return [types.AudioContent(data=data, mime_type="audio/wav")]


def _translate(client: LlmosClient, args: Json) -> Content:
    done = client.translate(args["text"], args["target"], source=args.get("source"))
    return _text(done.text if isinstance(done.text, str) else "\n".join(done.text))


def _search(client: LlmosClient, args: Json) -> Content:
    hits = client.search(args["query"], limit=args.get("limit", 5))
    lines = [f"{h.path} ({h.type}, {_where(h.why)}): {h.why.text}" for h in hits]
    return _text("\n".join(lines) or "nothing indexed matches")


def _where(why: Why) -> str:
    if why.page is not None:
        return f"page {why.page}"
    if why.start is not None:
        return f"{why.start:.1f}-{why.end or why.start:.1f} s"
    return why.kind


def _imagine(client: LlmosClient, args: Json) -> Content:
    from mcp import types

    drawn = client.imagine(args["prompt"], size=args.get("size", "512x512"))
    first = drawn.data[0]
    return [
        types.ImageContent(data=first.b64_json or "", mime_type="image/png"),
        types.TextContent(text=first.revised_prompt or args["prompt"]),
    ]


def _object(required: dict[str, Json], optional: dict[str, Json] | None = None) -> Json:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


IMAGE = {"type": "string", "description": "Path of a picture on this machine."}
DOCUMENT = {"type": "string", "description": "Path of a picture or a PDF."}
AUDIO = {"type": "string", "description": "Path of an audio or video file."}
LANGUAGE = {"type": "string", "description": "A language code: en, zh, fr, …"}
TEXT = {"type": "string", "minLength": 1}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 50}
SIZE = {"enum": ["256x256", "512x512", "1024x1024"]}
TOOLS = (
    McpTool("caption", "Describe a picture in one sentence.", _object({"image": IMAGE}), _caption),
    McpTool("ask", "Answer a question about a picture, or say it cannot tell.",
            _object({"image": IMAGE, "question": TEXT}), _ask),
    McpTool("ocr", "Read the text in a picture or a PDF.", _object({"file": DOCUMENT}), _ocr),
    McpTool("transcribe", "Transcribe the speech in an audio or video file, with times.",
            _object({"audio": AUDIO}, {"language": LANGUAGE}), _transcribe),
    McpTool("speak", "Say a text aloud: a WAV recording.", _object({"text": TEXT}), _speak),
    McpTool("translate", "Translate a text into another language (source: detected).",
            _object({"text": TEXT, "target": LANGUAGE}, {"source": LANGUAGE}), _translate),
    McpTool("search", "Find indexed pictures, recordings, videos and documents by text.",
            _object({"query": TEXT}, {"limit": LIMIT}), _search),
    McpTool("imagine", "Draw a chart, clock, calendar, diagram, timeline, flag or icon scene.",
            _object({"prompt": TEXT}, {"size": SIZE}), _imagine),
)  # fmt: skip


async def call(client: LlmosClient, name: str, arguments: Json | None, timeout: float) -> Any:
    """The MCP result of tool ``name``: its content, or a tool error saying what went wrong."""
    from mcp import types

    def failed(message: str) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)

    tool = next((t for t in TOOLS if t.name == name), None)
    if tool is None:
        return failed(f"no tool {name!r}; llmos has {', '.join(t.name for t in TOOLS)}")
    arguments = arguments or {}
    try:
        jsonschema.validate(arguments, tool.schema)
    except jsonschema.ValidationError as error:
        return failed(f"invalid arguments for {name}: {error.message}")
    try:
        with anyio.fail_after(timeout):
            content = await anyio.to_thread.run_sync(
                tool.run, client, arguments, abandon_on_cancel=True
            )
    except TimeoutError:
        return failed(f"{name} took over {timeout:.0f} s and was abandoned")
    except (ApiError, ServerUnreachable, ValueError, OSError) as error:
        return failed(str(getattr(error, "message", error)))
    except Exception as error:  # an answer of another shape: the tool failed, the server lives
        log.exception("tool %s failed", name)
        return failed(f"{name} failed: {type(error).__name__}: {error}")
    return types.CallToolResult(content=content)


async def serve(client: LlmosClient, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """Answer MCP requests on stdin/stdout until the client closes them."""
    from importlib.metadata import version

    from mcp import types
    from mcp.server import Server
    from mcp.server.stdio import stdio_server

    async def list_tools(_context, _params) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[types.Tool(name=t.name, description=t.description, input_schema=t.schema)
                   for t in TOOLS]
        )  # fmt: skip

    async def call_tool(_context, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await call(client, params.name, params.arguments, timeout)

    server = Server(
        "llmos", version=version("llmos"), on_list_tools=list_tools, on_call_tool=call_tool
    )
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
