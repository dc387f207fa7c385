"""The assistant's planning, measured on 30 scripted requests (``bench/data/assistant_requests
.json``: English and Chinese, typed, about a photographed Chinese sign, or spoken), each planned
three ways with the same chat model, then answered:

- ``model``: the schema-constrained planner (an invalid plan falls back to the rules, as served);
- ``free``: the same planning prompt with no schema: JSON read from the reply's text;
- ``rules``: the deterministic routing alone;
- ``hybrid``: the rules first, the model's plan when the words ask for a tool the rules could
  not fill in (designed on the tuning set's failures, measured on the check set).

    python bench/assistant.py [--data tune|check|apps-tune|apps-check]
                              [--modes model,free,rules,hybrid] [--only N]

``tune`` is the first set (``assistant_requests.json``), whose results shaped ``hybrid``;
``check`` (``assistant_check.json``) was written before any planner change was measured.
``apps-tune`` and ``apps-check``: 16 requests each to the two example apps (home-assistant,
customer-service: typed, spoken, with a customer's photo), written together before any run and
split alternately; the apps' instructions may be revised on ``apps-tune`` only.

Per mode: tool selection (the same tools in the same order), argument match (translate: the
text and the target language; search: the query holds the key word; an app's tool: each given
value, and a text its result holds), end to end (the right
tools and an answer holding an expected word), invalid plans, and median seconds to plan and
to answer. Everything runs in this process through the app ``llmos serve`` runs; the user's
files are four short notes indexed first.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from starlette.testclient import TestClient

from llmos.api.app import create_app
from llmos.assistant.apps import app_of, example, install
from llmos.assistant.loop import Assistant, chat_text
from llmos.assistant.tools import ToolBox
from llmos.fusion.attachments import Attachments
from llmos.settings import Settings

HERE = Path(__file__).parent / "data"
DATA = {"tune": HERE / "assistant_requests.json", "check": HERE / "assistant_check.json",
        "apps-tune": HERE / "assistant_apps_tune.json",
        "apps-check": HERE / "assistant_apps_check.json"}  # fmt: skip
KNOWLEDGE = "tool:knowledge"  # an app's documents, searched for every message: not planned
STAMPS = Path("/usr/share/tuxpaint/stamps")  # tuxpaint-stamps-default: the customers' photos
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FENCED = re.compile(r"\{.*\}", re.S)
TRIM = " .?!。？！\"'“”‘’"  # noqa: RUF001


def sign(text: str) -> str:
    picture = Image.new("RGB", (640, 240), "white")
    font = ImageFont.truetype(CJK_FONT, 96)
    ImageDraw.Draw(picture).text((60, 60), text, fill="black", font=font)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def message(case: dict, client: TestClient) -> list[dict]:
    parts: list[dict] = []
    if "spoken" in case:
        wav = client.post("/v1/audio/speech", json={"input": case["spoken"], "response_format":
                                                    "wav"})  # fmt: skip
        wav.raise_for_status()
        data = base64.b64encode(wav.content).decode()
        parts.append({"type": "input_audio", "input_audio": {"data": data, "format": "wav"}})
    if "text" in case:
        parts.append({"type": "text", "text": case["text"]})
    if "sign" in case:
        parts.append({"type": "image_url", "image_url": {"url": sign(case["sign"])}})
    if "photo" in case:
        photo = base64.b64encode((STAMPS / case["photo"]).read_bytes()).decode()
        parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}})
    return [{"role": "user", "content": parts}]


def right_arguments(made: list[tuple[str, dict, str]], wanted: list[dict]) -> bool:
    for (name, arguments, output), expected in zip(made, wanted, strict=True):
        if "contains" not in expected["arguments"] and name != "translate":  # an app's tool
            if not app_arguments(arguments, output, expected):
                return False
        elif name == "translate":
            same_text = arguments.get("text", "").strip(TRIM).lower() == (
                expected["arguments"]["text"].strip(TRIM).lower()
            )
            if not same_text or arguments.get("target") != expected["arguments"]["target"]:
                return False
        elif expected["arguments"]["contains"] not in arguments.get("query", "").lower():
            return False
    return True


def app_arguments(arguments: dict, output: str, expected: dict) -> bool:
    """Every expected value given (a text contained, case-insensitive), and the output holding
    the expected text."""
    for key, value in expected["arguments"].items():
        given = arguments.get(key)
        if isinstance(value, str):
            if not isinstance(given, str) or value.lower() not in given.lower():
                return False
        elif isinstance(value, bool) or not isinstance(value, int | float):
            if given != value:
                return False
        elif not isinstance(given, int | float) or float(given) != float(value):
            return False
    return expected.get("output", "") in output


def free_chat(kernel):
    """Planning with no schema: the same request, JSON read from the reply's text."""

    async def chat(request: dict) -> str:
        request = {k: v for k, v in request.items() if k != "response_format"}
        reply = await chat_text(kernel, request)
        found = FENCED.search(reply)
        return found.group(0) if found else reply

    return chat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=list(DATA), default="check")
    parser.add_argument("--modes", default="model,free,rules,hybrid")
    parser.add_argument("--only", type=int, default=None, help="the first N requests")
    args = parser.parse_args()
    data = json.loads(DATA[args.data].read_text())
    cases = data["requests"][: args.only]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        notes = home / "notes"
        notes.mkdir()
        for name, text in data.get("notes", {}).items():
            (notes / name).write_text(text)
        settings = Settings(home=home, models_dir=Settings().models_dir, index_roots=[notes])
        for app in sorted({case["app"] for case in cases if "app" in case}):
            install(example(app), settings.apps_dir)  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            job = client.post("/v1/index", json={"paths": [str(notes)]}).json()
            while job["state"] not in ("done", "failed", "cancelled"):
                time.sleep(0.5)
                job = client.get(f"/v1/index/jobs/{job['id']}").json()
            print(f"indexed {len(data.get('notes', {}))} notes: {job['state']}", flush=True)
            messages = [message(case, client) for case in cases]
            state = client.app.state  # type: ignore[attr-defined]
            attachments = Attachments(state.vision, state.files, allowed_hosts=[],
                                      max_bytes=50_000_000)  # fmt: skip
            print(f"{len(cases)} requests; | mode | tools right | arguments right | end to end "
                  "| invalid plans | plan s (median) | answer s (median) |")  # fmt: skip
            for mode in args.modes.split(","):
                chat = free_chat(state.kernel) if mode == "free" else None
                planner = mode if mode in ("rules", "hybrid") else "model"
                assistant = Assistant(state.kernel, state.translator, state.assistant.tools,
                                      planner=planner, chat=chat)  # fmt: skip
                run(mode, assistant, cases, messages, attachments, client)


def run(mode, assistant, cases, messages, attachments, client) -> None:
    tools = arguments = whole = invalid = 0
    plan_s, answer_s = [], []
    state = client.app.state
    for case, sent in zip(cases, messages, strict=True):
        started = time.perf_counter()
        toolbox, system = None, ""
        if "app" in case:  # the app's tools and instructions, as app:NAME gets them
            app = app_of(f"app:{case['app']}", state.settings.apps_dir)
            toolbox = ToolBox(client.portal.call(state.app_tools.of, app))
            system = app.manifest.system
        prepare = functools.partial(assistant.prepare, tools=toolbox, system=system)
        prepared = client.portal.call(prepare, sent, attachments)
        reply = client.portal.call(chat_text, assistant.kernel, prepared.request)
        answer_s.append(time.perf_counter() - started)
        plans = [s for s in prepared.steps if s.capability == "plan"]
        plan_s.append(sum(s.ms for s in plans) / 1000)
        invalid += any(not s.ok and "dropped" not in s.inputs for s in plans)
        made = [(s.capability[5:], s.inputs, s.output) for s in prepared.steps
                if s.capability.startswith("tool:") and s.capability != KNOWLEDGE]  # fmt: skip
        names_right = [n for n, _, _ in made] == [c["name"] for c in case["calls"]]
        arguments_right = names_right and right_arguments(made, case["calls"])
        said = reply.lower()
        answered = any(word.lower() in said for word in case["answer"]) or not case["answer"]
        tools += names_right
        arguments += arguments_right
        whole += arguments_right and answered
        print(f"  {mode} {'ok ' if names_right and answered else 'BAD'} "
              f"{case.get('text') or case.get('spoken')!r} -> {[m[:2] for m in made]} -> "
              f"{reply[:80]!r}",
              flush=True)  # fmt: skip
    n = len(cases)
    print(
        f"| {mode} | {tools}/{n} | {arguments}/{n} | {whole}/{n} | {invalid} | "
        f"{statistics.median(plan_s):.1f} | {statistics.median(answer_s):.1f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
