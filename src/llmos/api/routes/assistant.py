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
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel, user_of
from llmos.api.disconnect import unless_disconnected
from llmos.assistant.apps import app_of
from llmos.assistant.loop import MODEL_ID
from llmos.assistant.rules import MAX_FACT
from llmos.assistant.tools import ToolBox, ToolCall
from llmos.errors import Conflict, NotFound
from llmos.kernel import Kernel
from llmos.storage.actions import Action

router = APIRouter(tags=["assistant"])


class FactBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_FACT)


async def toolbox(request: Request, kernel: Kernel, model: str) -> tuple[ToolBox | None, str]:
    """The tools and instructions of ``model``: None and "" for the assistant's own, else an
    installed app's (404 when there is no such app)."""
    if model == MODEL_ID:
        return None, ""
    app = await kernel.compute(app_of, model, request.app.state.settings.apps_dir)
    tools = await unless_disconnected(request, request.app.state.app_tools.of(app))
    return ToolBox(tools), app.manifest.system


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
        raise Conflict(f"Action {action_id} is {action.state}, not pending: it cannot run again.")
    # shielded: once taken, the call runs to the end and its result is kept, whoever waits
    outcome = await asyncio.shield(tools.run(ToolCall(action.tool, action.arguments)))
    await asyncio.to_thread(store.finish, action_id, ok=outcome.ok, output=outcome.output)
    return asdict(await _action(request, action_id))


@router.post("/v1/assistant/actions/{action_id}/reject")
async def reject_action(action_id: str, request: Request):
    action = await _action(request, action_id)
    store = request.app.state.actions
    if not await asyncio.to_thread(store.take, user_of(request), action_id, "rejected"):
        raise Conflict(f"Action {action_id} is {action.state}, not pending.")
    return asdict(await _action(request, action_id))


@router.get("/v1/assistant/traces/{trace_id}")
async def get_trace(trace_id: str, request: Request):
    trace = await asyncio.to_thread(request.app.state.traces.get, trace_id)
    if trace is None:
        raise NotFound(f"No trace {trace_id!r} (the newest 10000 are kept).")
    return asdict(trace)


async def _action(request: Request, action_id: str) -> Action:
    found = await asyncio.to_thread(request.app.state.actions.get, user_of(request), action_id)
    if found is None:
        raise NotFound(f"No action {action_id!r} (GET /v1/assistant/actions lists yours).")
    return found
