"""Your own GGUF models: definitions checked, memory estimated from the file, names that may
not be taken, the default system message, and pictures routed to a model that sees."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from llmos.capabilities.base import Capability
from llmos.capabilities.chat import SMOLLM2
from llmos.capabilities.chat.custom import (
    MAPPED_OVERHEAD,
    PROMPT_CACHE_MIB,
    WORK_BUFFERS,
    WithSystem,
    custom_model,
    define,
    spec_of,
)
from llmos.capabilities.chat.types import SEEING_NOTE, SEEN_NOTE
from llmos.capabilities.vision.images import as_data_uri
from llmos.errors import Conflict, Forbidden, InvalidRequest, ModelNotFound
from llmos.fusion.attachments import Attachments
from llmos.kernel import Registry
from llmos.kernel.aliases import Aliases
from tests.gguf_files import tiny_gguf


def test_a_definition_reads_the_file_and_budgets_from_it(tmp_path):
    model = define("mine", tiny_gguf(tmp_path / "m.gguf"), system="Be brief.")
    facts = model.facts
    assert (facts.architecture, facts.layers, facts.kv_heads, facts.key_length) == (
        "llama", 2, 2, 16
    )  # fmt: skip
    assert facts.parameters == 8 * 64 and model.context_length == 2048 and not model.sees
    spec = spec_of(model)
    kv = 2048 * 2 * 2 * (16 + 16) * 2  # tokens x layers x kv heads x (key + value) x f16
    assert spec.slot_bytes == kv
    mapped = int(facts.size_bytes * (1 + MAPPED_OVERHEAD))
    assert spec.memory_bytes == mapped + kv + WORK_BUFFERS + PROMPT_CACHE_MIB * 2**20
    assert custom_model(spec) is model and custom_model(SMOLLM2) is None


def test_definitions_that_cannot_work_are_refused(tmp_path):
    good = tiny_gguf(tmp_path / "m.gguf", context=1024)
    with pytest.raises(InvalidRequest, match="absolute path"):
        define("mine", Path("m.gguf"))
    with pytest.raises(InvalidRequest, match="cannot name a model"):
        define("app:mine", good)
    with pytest.raises(InvalidRequest, match="256 to 1024"):
        define("mine", good, context_length=4096)
    with pytest.raises(InvalidRequest, match="not valid Jinja"):
        define("mine", good, template="{% if %}")
    projector = tiny_gguf(tmp_path / "p.gguf", "clip")
    with pytest.raises(InvalidRequest, match="is a vision projector"):
        define("mine", projector)
    assert define("mine", good, mmproj=projector).sees


def test_names_of_models_and_aliases_cannot_be_taken_and_shipped_models_stay(tmp_path):
    chat = Capability("chat", "chat", (SMOLLM2,))
    registry = Registry([chat], Aliases({"chat": {"gpt-4o-mini": "default"}}))
    spec = spec_of(define("mine", tiny_gguf(tmp_path / "m.gguf")))
    registry.add(spec)
    assert registry.model("mine") is spec
    for taken in ("mine", SMOLLM2.name, "gpt-4o-mini", "llmos-assistant"):
        with pytest.raises(Conflict, match="choose another"):
            registry.check_new_name(taken)
    with pytest.raises(Forbidden, match="ships with llmos"):
        registry.remove(SMOLLM2.name)
    assert registry.remove("mine") is spec
    with pytest.raises(ModelNotFound):
        registry.remove("mine")


class Engine:
    name, n_ctx = "mine", 512

    def __init__(self) -> None:
        self.seen: list[dict] = []

    def chat(self, body, *, on_chunk, stop):
        self.seen.append(body)
        return {}


def test_the_default_system_message_is_added_only_when_none_is_sent():
    engine = Engine()
    model = WithSystem(engine, "Be brief.")
    model.chat({"messages": [{"role": "user", "content": "hi"}]}, on_chunk=None,
               stop=threading.Event())  # fmt: skip
    own = [{"role": "system", "content": "Be long."}, {"role": "user", "content": "hi"}]
    model.chat({"messages": own}, on_chunk=None, stop=threading.Event())
    assert engine.seen[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert engine.seen[1]["messages"] == own
    noted = [{"role": "system", "content": SEEING_NOTE}, {"role": "user", "content": "hi"}]
    model.chat({"messages": noted}, on_chunk=None, stop=threading.Event())
    [system, _user] = engine.seen[2]["messages"]  # llmos's note is not the user's message
    assert system["content"] == f"Be brief.\n\n{SEEING_NOTE}"


class Vision:
    """The image experts, faked: the routing is under test, not the experts."""

    def __init__(self) -> None:
        async def compute(work, *args):
            return work(*args)

        self.kernel = SimpleNamespace(compute=compute)

    async def facts(self, data: bytes, name: str):
        return SimpleNamespace(objects=[], labels=[])


@pytest.mark.parametrize("sees, facts", [(False, True), (True, True), (True, False)])
def test_pictures_go_to_a_model_that_sees_with_or_without_the_experts_facts(
    sees, facts, monkeypatch
):
    monkeypatch.setattr("llmos.fusion.attachments.facts_text", lambda _facts: "a red square")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    parts = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    asked = [{"role": "user", "content": parts}]
    reader = Attachments(Vision(), files=None, allowed_hosts=[], max_bytes=10**6)
    out = asyncio.run(reader.as_text(asked, sees=sees, facts=facts))
    system, user = (out[0] if len(out) == 2 else None), out[-1]
    if not sees:
        assert system["content"] == SEEING_NOTE and isinstance(user["content"], str)
        assert "a red square" in user["content"]
        return
    kinds = [part["type"] for part in user["content"]]
    assert kinds == (["text", "image_url", "text"] if facts else ["text", "image_url"])
    assert user["content"][1]["image_url"]["url"] == url
    assert (system or {}).get("content") == (SEEN_NOTE if facts else None)


def test_pictures_for_a_projector_are_formats_llama_cpp_reads():
    webp = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(webp, "WEBP")
    url = as_data_uri(webp.getvalue())
    assert url.startswith("data:image/png;base64,")
    png = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert png.format == "PNG" and png.size == (8, 8)
    cmyk = io.BytesIO()  # a JPEG stb_image cannot read
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(cmyk, "JPEG")
    assert as_data_uri(cmyk.getvalue()).startswith("data:image/png;base64,")
    rgb = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(rgb, "JPEG")
    assert (
        as_data_uri(rgb.getvalue())
        == "data:image/jpeg;base64," + base64.b64encode(rgb.getvalue()).decode()
    )
    with pytest.raises(InvalidRequest, match="not an image"):
        as_data_uri(b"these are not pixels")
