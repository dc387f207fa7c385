"""Python functions as an app's tools: ``@llmos.tool`` marks them, and llmos serves a module's
marked functions as an MCP server of their own process, so app code never runs inside llmos::

    # tools.py in the app's folder; the manifest names it: [[python]] module = "tools.py"
    import llmos

    @llmos.tool
    def order_status(order_id: str) -> str:
        "The state of an order: paid, shipped or delivered."
        ...

    @llmos.tool(dangerous=True)  # waits for the user's confirmation
    def refund(order_id: str, reason: str) -> str: ...

The argument schema comes from the signature and the description from the docstring (the MCP
SDK derives both); ``dangerous`` is sent as the tool's ``destructiveHint``.

``python -m llmos.assistant.python_tools MODULE.py`` is the server the app's entry starts.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__llmos_tool__"


@dataclass(frozen=True)
class ToolMark:
    name: str | None = None
    description: str | None = None
    dangerous: bool = False


@overload
def tool(fn: F, /) -> F: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None, dangerous: bool = False
) -> Callable[[F], F]: ...
def tool(fn=None, /, *, name=None, description=None, dangerous=False):
    """Mark a function as a tool of the app whose module defines it (sync or async)."""

    def mark(function: F) -> F:
        setattr(function, MARK, ToolMark(name, description, dangerous))
        return function

    return mark(fn) if fn is not None else mark


def marked(module: object) -> list[tuple[Callable[..., Any], ToolMark]]:
    """The functions of ``module`` marked with ``@tool``, in the order they are defined."""
    found = [(value, getattr(value, MARK)) for value in vars(module).values()
             if callable(value) and isinstance(getattr(value, MARK, None), ToolMark)]  # fmt: skip
    return found


def load(path: Path) -> object:
    """Import the module at ``path`` (the app's folder is its import root)."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def serve(path: Path) -> None:
    """Serve the module's marked functions over stdio until the client hangs up."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    module = load(path)
    tools = marked(module)
    if not tools:
        raise SystemExit(f"{path} marks no function with @llmos.tool")
    server = MCPServer(path.stem)
    for function, mark in tools:
        hints = ToolAnnotations(destructive_hint=True) if mark.dangerous else None
        server.add_tool(
            _reporting(function), name=mark.name or function.__name__,
            description=mark.description, annotations=hints,
        )  # fmt: skip
    server.run("stdio")


def _reporting(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with what it raises told to the caller (the SDK would say only that it
    failed): the assistant's model reads the message and may correct its call."""
    from mcp.server.mcpserver.exceptions import ToolError

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await function(*args, **kwargs)
            except Exception as error:
                raise ToolError(str(error) or type(error).__name__) from error

        return run_async

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as error:
            raise ToolError(str(error) or type(error).__name__) from error

    return run


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m llmos.assistant.python_tools MODULE.py")
    # the marks are checked against this module as llmos.tool imports it, not as __main__
    from llmos.assistant.python_tools import serve as serve_module

    serve_module(Path(sys.argv[1]).resolve())
