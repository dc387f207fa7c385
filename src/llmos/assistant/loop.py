"""The assistant behind the model id ``llmos-assistant``: perceive what the user sent, plan the
tools it needs, run them, and hand the chat model everything to word the answer from.

    perceive   speech transcribed, pictures looked at and read, documents read   (perceive.py)
    plan       the chat model's plan, constrained and checked; else the rules    (plan.py, rules.py)
    act        each call validated, timed, its failure reported, not raised      (tools.py)
    answer     a chat request: what was perceived and found, in the user's language

Every step is a :class:`Step` of the trace the answer carries.
"""

from __future__ import annotations

import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from llmos.assistant.perceive import Request, Step, perceive
from llmos.assistant.plan import plan_request, read_plan
from llmos.assistant.rules import route
from llmos.assistant.tools import ToolBox, ToolCall, ToolOutcome
from llmos.capabilities.chat import chat_completion
from llmos.capabilities.transcribe.service import transcribe
from llmos.capabilities.translate.routes import routing_table
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import Attachments
from llmos.fusion.translate import Translator
from llmos.kernel import Kernel

Json = dict[str, Any]
Chat = Callable[[Json], Awaitable[str]]  # a chat request -> the reply's text
Planner = Literal["model", "rules"]
MODEL_ID = "llmos-assistant"
SYSTEM = (
    "You are llmos's assistant, running offline on the user's own computer. You cannot see or "
    "hear: what the user attached was looked at, read and transcribed by llmos's experts, and "
    "tools were run for this request; both are given below. Answer from them and from what "
    "you know; never claim to have seen or done more. If they do not answer the question, say "
    "so. When you use numbered sources, cite them as [1], [2]. Keep the answer short."
)


@dataclass(frozen=True)
class Prepared:
    """What is left to do: the chat request that words the answer, and the trace so far."""

    request: Json
    steps: tuple[Step, ...]
    planner: str  # "model", "rules", or "rules (…why the plan was invalid)"


class Assistant:
    def __init__(
        self,
        kernel: Kernel,
        translator: Translator,
        tools: ToolBox,
        *,
        planner: Planner = "model",
        chat: Chat | None = None,
    ) -> None:
        self.kernel, self.translator, self.tools = kernel, translator, tools
        self.planner = planner
        self.chat = chat or self._chat

    async def prepare(self, messages: list[Json], attachments: Attachments) -> Prepared:
        request = await perceive(messages, attachments, self._transcribe)
        steps = list(request.steps)
        calls, planner = await self._plan(request, steps)
        outcomes = []
        for call in calls:
            outcome = await self.tools.run(call)
            outcomes.append(outcome)
            steps.append(Step(f"tool:{call.name}", call.arguments, outcome.output, outcome.ms,
                              outcome.ok))  # fmt: skip
        language = await self._language(request)
        return Prepared(_answer_request(request, outcomes, language), tuple(steps), planner)

    async def _plan(self, request: Request, steps: list[Step]) -> tuple[list[ToolCall], str]:
        if self.planner == "rules" or not self.tools.tools:
            calls = route(request, self.tools)
            steps.append(Step("plan", {"planner": "rules"}, _calls_text(calls), 0.0))
            return calls, "rules"
        started = time.perf_counter()
        output = await self.chat(plan_request(request, self.tools))
        planned = read_plan(output, self.tools)
        ms = (time.perf_counter() - started) * 1000
        if isinstance(planned, list):
            steps.append(Step("plan", {"planner": "model"}, _calls_text(planned), ms))
            return planned, "model"
        steps.append(Step("plan", {"planner": "model"}, f"invalid: {planned}", ms, ok=False))
        calls = route(request, self.tools)
        steps.append(Step("plan", {"planner": "rules"}, _calls_text(calls), 0.0))
        return calls, f"rules ({planned})"

    async def _language(self, request: Request) -> str:
        """The name of the language the user wrote or spoke in (English when unsure)."""
        names = routing_table().languages
        if not request.said.strip():
            return names["en"]
        try:
            found = await self.translator.identify(request.said)
        except InvalidRequest:
            return names["en"]
        return names.get(found.language, names["en"])

    async def _transcribe(self, data: bytes, name: str) -> str:
        spec = self.kernel.registry.resolve("transcribe", None)
        result = await self.kernel.run(
            spec, lambda model, stop: transcribe(model, io.BytesIO(data), stop=stop)
        )
        return result.text

    async def _chat(self, request: Json) -> str:
        spec = self.kernel.registry.resolve("chat", None)

        def job(model, stop):
            return chat_completion(model, request, on_chunk=None, stop=stop)

        result = await self.kernel.run(spec, job)
        return result.response["choices"][0]["message"].get("content") or ""


def _calls_text(calls: list[ToolCall]) -> str:
    return "; ".join(f"{c.name}({c.arguments})" for c in calls) or "no tools"


def _answer_request(request: Request, outcomes: list[ToolOutcome], language: str) -> Json:
    """The request that words the answer: the instruction as the system message; the user's
    words, then what was perceived and what the tools returned, as the last message (small
    models heed what they read last)."""
    found = [f"[{seen.name} ({seen.kind})]\n{seen.text}" for seen in request.perceived]
    for outcome in outcomes:
        state = "result" if outcome.ok else "failed"
        found.append(f"[tool {outcome.call.name}: {state}]\n{outcome.output}")
    said = request.said or "(The user sent only attachments.)"
    if found:
        said += "\n\n---\nWhat llmos found for this message:\n\n" + "\n\n".join(found)
        if any(o.ok for o in outcomes):
            said += "\n\n---\nAnswer with the tool results above; they are already done."
    system = {"role": "system", "content": f"{SYSTEM} Answer in {language}."}
    return {"messages": [system, *request.history, {"role": "user", "content": said}]}
