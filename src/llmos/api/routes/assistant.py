"""The assistant's memory and actions, per user (per API key when keys are set):

- ``/v1/assistant/profile``: the facts the user asked it to remember; list, add, edit, delete.
  A deleted fact is in no later answer.
- ``/v1/assistant/actions``: calls of dangerous tools waiting for the user;
  ``POST …/{id}/approve`` runs one (once), ``…/reject`` drops it.
- ``/v1/assistant/traces/{id}``: what an answer perceived, planned and called.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import attachments_of, get_kernel, user_of
from llmos.api.disconnect import unless_disconnected
from llmos.assistant.apps import PREFIX, app_of
from llmos.assistant.loop import MODEL_ID, Prepared
from llmos.assistant.rules import MAX_FACT
from llmos.assistant.tools import ToolBox, ToolCall
from llmos.errors import Conflict, NotFound
from llmos.kernel import Kernel
from llmos.storage.actions import Action
from llmos.storage.profile import Fact

router = APIRouter(tags=["assistant"])
Json = dict[str, Any]
_RUNNING: set[asyncio.Future] = set()  # approved actions' calls
PROFILE_CHARS = 2000  # of remembered facts in an answer's instructions (about 500 tokens)


class FactBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_FACT)


def assisted(model: str | None) -> bool:
    """Whether ``model`` is answered by the assistant: ``llmos-assistant`` or ``app:NAME``."""
    return model is not None and (model == MODEL_ID or model.startswith(PREFIX))


async def toolbox(request: Request, kernel: Kernel, model: str) -> tuple[ToolBox | None, str]:
    """The tools and instructions of ``model``: None and "" for the assistant's own, else an
    installed app's (404 when there is no such app)."""
    if model == MODEL_ID:
        return None, ""
    app = await kernel.compute(app_of, model, request.app.state.settings.apps_dir)
    tools = await unless_disconnected(request, request.app.state.app_tools.of(app))
    return ToolBox(tools), app.manifest.system


async def assist(
    request: Request, kernel: Kernel, model: str, messages: list[Json]
) -> tuple[Prepared, Json]:
    """Perceive, plan and act for ``model`` (``llmos-assistant`` or ``app:NAME``) as the user
    of ``request``: their profile given, the trace kept, a fact they asked to remember stored,
    a dangerous tool's calls kept as their pending actions. Returns what the chat model is to
    answer and the ``llmos`` field of the answer (trace, pending actions, citations)."""
    state, user = request.app.state, user_of(request)
    tools, system = await toolbox(request, kernel, model)
    profile = _newest(await asyncio.to_thread(state.profile.list, user))
    preparing = state.assistant.prepare(
        messages, attachments_of(request), tools=tools, system=system, profile=profile
    )
    prepared = await unless_disconnected(request, preparing)
    trace_id = await asyncio.to_thread(
        state.traces.add, model, prepared.planner, prepared.steps, user=user
    )
    memory = None  # why a fact the user asked to remember was not kept
    if prepared.remember:
        try:
            await asyncio.to_thread(state.profile.add, user, prepared.remember)
        except Conflict as error:  # the answer goes on; the client is told why
            memory = error.message
    calls = [(call.name, call.arguments) for call in prepared.pending]
    pending = await asyncio.to_thread(state.actions.add, user, model, calls, trace_id)
    trace = {"id": trace_id, "planner": prepared.planner,
             "steps": [asdict(step) for step in prepared.steps]}  # fmt: skip
    extra: Json = {"trace": trace}
    if pending:
        extra["pending_actions"] = [asdict(action) for action in pending]
    if memory:
        extra["memory"] = memory
    if prepared.sources:
        extra["citations"] = [
            {"number": n, "source": source} for n, source in enumerate(prepared.sources, 1)
        ]
    return prepared, extra


@router.get("/v1/assistant/profile")
async def list_facts(request: Request):
    facts = await asyncio.to_thread(request.app.state.profile.list, user_of(request))
    return {"object": "list", "data": [asdict(fact) for fact in facts]}


@router.post("/v1/assistant/profile", status_code=201)
async def add_fact(body: FactBody, request: Request):
    fact = await asyncio.to_thread(request.app.state.profile.add, user_of(request), body.text)
    return asdict(fact)


@router.patch("/v1/assistant/profile/{fact_id}")
async def edit_fact(fact_id: str, body: FactBody, request: Request):
    store = request.app.state.profile
    fact = await asyncio.to_thread(store.update, user_of(request), fact_id, body.text)
    if fact is None:
        raise NotFound(f"No fact {fact_id!r} in your profile (GET /v1/assistant/profile).")
    return asdict(fact)


@router.delete("/v1/assistant/profile/{fact_id}")
async def delete_fact(fact_id: str, request: Request):
    store = request.app.state.profile
    if not await asyncio.to_thread(store.delete, user_of(request), fact_id):
        raise NotFound(f"No fact {fact_id!r} in your profile (GET /v1/assistant/profile).")
    return {"id": fact_id, "object": "profile.fact.deleted", "deleted": True}


@router.get("/v1/assistant/actions")
async def list_actions(
    request: Request,
    state: Literal["pending", "running", "done", "failed", "rejected"] | None = None,
):
    found = await asyncio.to_thread(request.app.state.actions.list, user_of(request), state=state)
    return {"object": "list", "data": [asdict(action) for action in found]}


@router.get("/v1/assistant/actions/{action_id}")
async def get_action(action_id: str, request: Request):
    return asdict(await _action(request, action_id))


@router.post("/v1/assistant/actions/{action_id}/approve")
async def approve_action(action_id: str, request: Request, kernel: Kernel = Depends(get_kernel)):
    """Run the waiting call now (its arguments checked again), once; the action with its
    result."""
    action = await _action(request, action_id)
    tools, _ = await toolbox(request, kernel, action.model)
    tools = tools or request.app.state.assistant.tools
    store, user = request.app.state.actions, user_of(request)
    if not await asyncio.to_thread(store.take, user, action_id, "running"):
        now = await _action(request, action_id)
        raise Conflict(f"Action {action_id} is {now.state}, not pending: it cannot run again.")

    async def run_and_keep() -> None:
        try:
            outcome = await tools.run(ToolCall(action.tool, action.arguments))
            ok, output = outcome.ok, outcome.output
        except Exception as error:  # the tool could not even be checked: the action failed
            ok, output = False, f"{action.tool} could not run: {error}"
        await asyncio.to_thread(store.finish, action_id, ok=ok, output=output)

    # shielded: once taken, the call runs to the end and its result is kept, whoever waits
    running = asyncio.ensure_future(run_and_keep())
    _RUNNING.add(running)  # referenced until done, even when the request is gone
    running.add_done_callback(_RUNNING.discard)
    await asyncio.shield(running)
    return asdict(await _action(request, action_id))


@router.post("/v1/assistant/actions/{action_id}/reject")
async def reject_action(action_id: str, request: Request):
    await _action(request, action_id)  # 404 before 409
    store = request.app.state.actions
    if not await asyncio.to_thread(store.take, user_of(request), action_id, "rejected"):
        now = await _action(request, action_id)
        raise Conflict(f"Action {action_id} is {now.state}, not pending.")
    return asdict(await _action(request, action_id))


@router.get("/v1/assistant/traces/{trace_id}")
async def get_trace(trace_id: str, request: Request):
    trace = await asyncio.to_thread(request.app.state.traces.get, trace_id, user_of(request))
    if trace is None:
        raise NotFound(f"No trace {trace_id!r} (the newest 10000 are kept).")
    return asdict(trace)


def _newest(facts: list[Fact]) -> tuple[str, ...]:
    """The newest facts that fit in ``PROFILE_CHARS``, oldest first: a full profile must not
    crowd the conversation out of the model's context."""
    kept, size = [], 0
    for fact in reversed(facts):
        size += len(fact.text) + 3
        if size > PROFILE_CHARS:
            break
        kept.append(fact.text)
    return tuple(reversed(kept))


async def _action(request: Request, action_id: str) -> Action:
    found = await asyncio.to_thread(request.app.state.actions.get, user_of(request), action_id)
    if found is None:
        raise NotFound(f"No action {action_id!r} (GET /v1/assistant/actions lists yours).")
    return found
