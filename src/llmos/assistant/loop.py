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
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from llmos.assistant.knowledge import MAX_QUERY
from llmos.assistant.knowledge import TOOL as KNOWLEDGE
from llmos.assistant.perceive import Request, Step, perceive, short
from llmos.assistant.plan import plan_request, read_plan, repair_request
from llmos.assistant.rules import route, stated_fact, wants
from llmos.assistant.tools import ToolBox, ToolCall, ToolOutcome
from llmos.capabilities.chat import chat_completion
from llmos.capabilities.transcribe.service import transcribe
from llmos.capabilities.translate.routes import routing_table
from llmos.errors import LlmosError
from llmos.fusion.attachments import Attachments
from llmos.fusion.translate import Translator
from llmos.kernel import Kernel

Json = dict[str, Any]
Chat = Callable[[Json], Awaitable[str]]  # a chat request -> the reply's text
Planner = Literal["model", "rules", "hybrid"]
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
    """What is left to do: the chat request that words the answer, the trace so far, the
    calls that wait for the user's confirmation, and a fact the user asked to remember."""

    request: Json
    steps: tuple[Step, ...]
    planner: str  # "model", "rules", or "rules (…why the plan was invalid)"
    pending: tuple[ToolCall, ...] = ()
    remember: str | None = None
    sources: tuple[str, ...] = ()  # what the tools' numbered passages came from, in order


class Assistant:
    def __init__(
        self,
        kernel: Kernel,
        translator: Translator,
        tools: ToolBox,
        *,
        planner: Planner = "hybrid",
        chat: Chat | None = None,
    ) -> None:
        self.kernel, self.translator, self.tools = kernel, translator, tools
        self.planner = planner
        self.chat = chat or (lambda request: chat_text(kernel, request))

    async def prepare(
        self,
        messages: list[Json],
        attachments: Attachments,
        *,
        tools: ToolBox | None = None,
        system: str = "",
        profile: tuple[str, ...] = (),
    ) -> Prepared:
        """Perceive, plan and act; ``tools`` and ``system`` (an app's) replace the built-in
        tools and add to the instructions; ``profile``: what the user told llmos to remember.
        A dangerous tool's call is not run: it waits in ``pending`` for the user."""
        tools = self.tools if tools is None else tools
        request = await perceive(messages, attachments, self._transcribe)
        steps = list(request.steps)
        remember = stated_fact(request.said)
        if remember:
            steps.append(Step("memory", {"said": short(request.said)}, remember, 0.0))
        calls, planner = await self._plan(request, tools, steps)
        if KNOWLEDGE in tools and request.said and all(c.name != KNOWLEDGE for c in calls):
            # an app's documents ground every answer, whatever the plan chose
            calls = [ToolCall(KNOWLEDGE, {"query": request.said[:MAX_QUERY]}), *calls]
        outcomes, pending = await _act(calls, tools, steps)
        failed = [(o.call, o.output) for o in outcomes if not o.ok and o.executed]
        if failed and planner == "model":  # the model may correct its calls, once
            repaired = await self._repair(request, tools, failed, steps)
            more, waiting = await _act(repaired, tools, steps)
            if repaired:  # the repaired calls' outcomes replace the failed ones
                outcomes = [o for o in outcomes if o.ok or not o.executed] + more
            pending += waiting
        language = await self._language(request)
        facts = (*profile, *([remember] if remember else []))
        answer = _answer_request(request, outcomes, language, system, pending, facts)
        sources = tuple(source for outcome in outcomes for source in outcome.sources)
        return Prepared(answer, tuple(steps), planner, tuple(pending), remember, sources)

    async def _repair(
        self, request: Request, tools: ToolBox, failed: list[tuple[ToolCall, str]],
        steps: list[Step],
    ) -> list[ToolCall]:  # fmt: skip
        planned, ms = await self._ask_planner(repair_request(request, tools, failed), tools)
        calls = planned if isinstance(planned, list) else []
        output = _calls_text(calls) if isinstance(planned, list) else f"invalid: {planned}"
        steps.append(Step("plan", {"planner": "model", "repair": True}, output, ms,
                          ok=isinstance(planned, list)))  # fmt: skip
        return calls

    async def _plan(
        self, request: Request, tools: ToolBox, steps: list[Step]
    ) -> tuple[list[ToolCall], str]:
        calls = route(request, tools)
        rules_decide = self.planner == "rules" or not tools.tools
        if self.planner == "hybrid" and set(tools.tools) <= set(self.tools.tools):
            rules_decide = bool(calls) or wants(request) is None  # the model when they fall short
        if rules_decide:
            steps.append(Step("plan", {"planner": "rules"}, _calls_text(calls), 0.0))
            return calls, "rules"
        documents = KNOWLEDGE in tools  # searched for every message: not the planner's to call
        planning = ToolBox(t for t in tools.tools.values() if t.name != KNOWLEDGE)
        asked = plan_request(request, planning, documents=documents)
        planned, ms = await self._ask_planner(asked, planning)
        if isinstance(planned, list):
            steps.append(Step("plan", {"planner": "model"}, _calls_text(planned), ms))
            return _grounded(planned, request, steps), "model"
        steps.append(Step("plan", {"planner": "model"}, f"invalid: {planned}", ms, ok=False))
        steps.append(Step("plan", {"planner": "rules"}, _calls_text(calls), 0.0))
        return calls, f"rules ({planned})"

    async def _ask_planner(self, asked: Json, tools: ToolBox) -> tuple[list[ToolCall] | str, float]:
        """The model's plan for ``asked`` read strictly (its calls, or why it is invalid), and
        the milliseconds it took; a model that cannot plan (busy, context full) is invalid."""
        started = time.perf_counter()
        try:
            planned = read_plan(await self.chat(asked), tools)
        except LlmosError as error:
            planned = f"the planner failed: {error.message}"
        return planned, (time.perf_counter() - started) * 1000

    async def _language(self, request: Request) -> str:
        """The name of the language the user wrote or spoke in (English when unsure)."""
        names = routing_table().languages
        if not request.said.strip():
            return names["en"]
        try:
            found = await self.translator.identify(request.said)
        except LlmosError:  # nothing to identify, or no language identifier installed
            return names["en"]
        return names.get(found.language, names["en"])

    async def _transcribe(self, data: bytes, name: str) -> str:
        spec = self.kernel.registry.resolve("transcribe", None)
        result = await self.kernel.run(
            spec, lambda model, stop: transcribe(model, io.BytesIO(data), stop=stop)
        )
        return result.text


async def chat_text(kernel: Kernel, request: Json) -> str:
    """The default chat model's reply to ``request``, whole."""
    spec = kernel.registry.resolve("chat", None)

    def job(model, stop):
        return chat_completion(model, request, on_chunk=None, stop=stop)

    result = await kernel.run(spec, job)
    return result.response["choices"][0]["message"].get("content") or ""


IDENTIFIER = re.compile(r"^(?=\S*[^\W\d_])(?=\S*\d)\S{2,40}$")  # A-1001, ZX81: letters and digits


def _grounded(calls: list[ToolCall], request: Request, steps: list[Step]) -> list[ToolCall]:
    """The planned calls whose identifiers (an order number: letters and digits, no spaces)
    come from the conversation; a call with an identifier nobody wrote was made up by the
    planner, and is dropped (traced)."""
    seen = " ".join([request.said, *(p.text + " " + p.read for p in request.perceived),
                     *(str(m.get("content") or "") for m in request.history)]).lower()  # fmt: skip
    kept = []
    for call in calls:
        invented = [f"{key} {value!r}" for key, value in call.arguments.items()
                    if isinstance(value, str) and IDENTIFIER.match(value)
                    and value.lower() not in seen]  # fmt: skip
        if invented:
            why = f"{', '.join(invented)}: not in the conversation"
            steps.append(Step("plan", {"dropped": call.name}, why, 0.0, ok=False))
            continue
        kept.append(call)
    return kept


async def _act(
    calls: list[ToolCall], tools: ToolBox, steps: list[Step]
) -> tuple[list[ToolOutcome], list[ToolCall]]:
    """Run each call (checked, timed); a dangerous tool's valid call waits instead."""
    outcomes, pending = [], []
    for call in calls:
        inputs = {k: short(v) if isinstance(v, str) else v for k, v in call.arguments.items()}
        tool = tools.tools.get(call.name)
        if tool is not None and tool.dangerous and tools.problem(call) is None:
            pending.append(call)
            steps.append(Step(f"tool:{call.name}", inputs, "waiting for confirmation", 0.0))
            continue
        outcome = await tools.run(call)
        outcomes.append(outcome)
        steps.append(Step(f"tool:{call.name}", inputs, short(outcome.output), outcome.ms,
                          outcome.ok))  # fmt: skip
    return outcomes, pending


def _calls_text(calls: list[ToolCall]) -> str:
    return "; ".join(f"{c.name}({c.arguments})" for c in calls) or "no tools"


def _answer_request(
    request: Request,
    outcomes: list[ToolOutcome],
    language: str,
    system: str = "",
    pending: list[ToolCall] | tuple[ToolCall, ...] = (),
    profile: tuple[str, ...] = (),
) -> Json:
    """The request that words the answer: the instruction as the system message; the user's
    words, then what was perceived and what the tools returned, as the last message (small
    models heed what they read last)."""
    found = [f"[{seen.name} ({seen.kind})]\n{seen.text}" for seen in request.perceived
             if seen.kind != "speech"]  # what was said is the user's message itself  # fmt: skip
    for outcome in outcomes:
        state = "result" if outcome.ok else "failed"
        found.append(f"[tool {outcome.call.name}: {state}]\n{outcome.output}")
    for call in pending:
        found.append(
            f"[tool {call.name}: NOT DONE, waiting for the user's confirmation]\n"
            f"{json.dumps(call.arguments, ensure_ascii=False)}\nTell the user what will be "
            "done and that it needs their confirmation."
        )
    said = request.said or "(The user sent only attachments.)"
    if found:
        said += "\n\n---\nWhat llmos found for this message:\n\n" + "\n\n".join(found)
        if any(o.ok for o in outcomes):
            said += "\n\n---\nAnswer with the tool results above; they are already done."
    given = [m["content"] for m in request.history if m["role"] == "system" and m["content"]]
    known = [
        'What the user asked you to remember (their words: "I" and "my" mean the user):',
        *(f"- {fact}" for fact in profile),
    ]
    instructions = "\n\n".join([SYSTEM, *([system] if system else []), *given,
                                 *(["\n".join(known)] if profile else [])])  # fmt: skip
    first = {"role": "system", "content": f"{instructions}\n\nAnswer in {language}."}
    turns = [m for m in request.history if m["role"] != "system"]
    return {"messages": [first, *turns, {"role": "user", "content": said}]}
