"""Tools the assistant calls: a name, a description, a JSON schema for the arguments, and an
implementation. Every call is checked against the schema before it runs, has a time limit, and
ends in a :class:`ToolOutcome`: a tool that fails or times out is a result the loop reports,
never an exception that ends the answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from llmos.errors import LlmosError, MissingExtra, install_extra

log = logging.getLogger(__name__)

Json = dict[str, Any]
DEFAULT_TIMEOUT = 120.0  # seconds; a cold model load on two cores fits


@dataclass(frozen=True)
class Sourced:
    """A result that quotes numbered sources ([1] is ``sources[0]``): a file, page or span."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Json  # JSON schema of the arguments (an object)
    run: Callable[[Json], Awaitable[str | Sourced]]  # the result as text for the model
    dangerous: bool = False  # needs the user's confirmation before it runs
    timeout: float = DEFAULT_TIMEOUT

    def function(self) -> Json:
        """The tool as an OpenAI function description."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Json = field(default_factory=dict)


@dataclass(frozen=True)
class ToolOutcome:
    call: ToolCall
    ok: bool
    output: str  # the result, or what went wrong (for the model and the trace)
    ms: float
    executed: bool  # False: refused before running (unknown tool, arguments, confirmation)
    sources: tuple[str, ...] = ()  # what the output's [1], [2] cite


class ToolBox:
    """The tools one answer may use, by name."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools = {tool.name: tool for tool in tools}

    def __contains__(self, name: str) -> bool:
        return name in self.tools

    def functions(self) -> list[Json]:
        return [tool.function() for tool in self.tools.values()]

    def problem(self, call: ToolCall) -> str | None:
        """Why ``call`` must not run; None when it may."""
        try:
            import jsonschema  # the chat extra's: the assistant needs a chat model anyway
        except ImportError as error:
            raise MissingExtra("jsonschema", install=install_extra("chat")) from error
        tool = self.tools.get(call.name)
        if tool is None:
            return f"there is no tool {call.name!r}; the tools are {', '.join(self.tools)}"
        try:
            jsonschema.validate(call.arguments, tool.parameters)
        except jsonschema.ValidationError as error:
            where = "/".join(map(str, error.absolute_path))
            at = f" at {where}" if where else ""
            return f"invalid arguments for {call.name}{at}: {error.message}"
        return None

    async def run(self, call: ToolCall) -> ToolOutcome:
        """Run ``call`` if its arguments are valid, within the tool's time limit."""
        started = time.perf_counter()

        def outcome(ok: bool, output: str | Sourced, executed: bool = True) -> ToolOutcome:
            ms = (time.perf_counter() - started) * 1000
            if isinstance(output, Sourced):
                return ToolOutcome(call, ok, output.text, ms, executed, output.sources)
            return ToolOutcome(call, ok, output, ms, executed)

        if (problem := self.problem(call)) is not None:
            return outcome(False, problem, executed=False)
        tool = self.tools[call.name]
        try:
            async with asyncio.timeout(tool.timeout):
                return outcome(True, await tool.run(call.arguments))
        except TimeoutError:
            return outcome(False, f"{call.name} took over {tool.timeout:g} s and was stopped")
        except LlmosError as error:
            return outcome(False, f"{call.name} failed: {error.message}")
        except Exception as error:  # a tool's own bug: reported, the answer goes on
            log.exception("tool %s failed", call.name)
            return outcome(False, f"{call.name} failed: {type(error).__name__}: {error}")
