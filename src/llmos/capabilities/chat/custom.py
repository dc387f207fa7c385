"""Chat models from the user's own GGUF files (``llmos create``).

A custom model is a definition (the file, an optional vision projector, a chat template, a
system message, a context length) and what its files said when it was created. Its memory
estimate comes from the file: the weights as they are mapped, the key/value cache of its
context, and llama.cpp's working buffers.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from llmos.backends.gguf_file import GgufFacts, read_gguf
from llmos.backends.llama_cpp import PROMPT_CACHE_MIB
from llmos.capabilities.base import LoadContext, ModelSpec
from llmos.capabilities.chat.types import LLMOS_NOTES, Json
from llmos.errors import InvalidRequest, ModelLoadFailed, install_extra

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")  # no "/": names go in URL paths
DEFAULT_CONTEXT = 4096  # tokens; llama.cpp's default would take the model's whole (often 128k)
WORK_BUFFERS = 192 * 2**20  # llama.cpp's compute buffers and the process's share, measured
MAPPED_OVERHEAD = 0.25  # of the file: output and embedding copies, allocator slack


@dataclass(frozen=True)
class CustomModel:
    """A user's chat model, as ``llmos create`` defined it."""

    name: str
    gguf: Path
    facts: GgufFacts
    context_length: int
    system: str | None = None  # the system message when a request brings none
    template: str | None = None  # a Jinja chat template instead of the file's own
    mmproj: Path | None = None  # a vision projector: pictures go to the model itself
    mmproj_facts: GgufFacts | None = None
    created_at: float = 0.0

    @property
    def sees(self) -> bool:
        return self.mmproj is not None

    def to_json(self) -> Json:
        data = asdict(self)
        data["gguf"], data["mmproj"] = str(self.gguf), self.mmproj and str(self.mmproj)
        return data

    @classmethod
    def from_json(cls, data: Json) -> CustomModel:
        projector = data.get("mmproj_facts")
        return cls(
            **{
                **data,
                "gguf": Path(data["gguf"]),
                "facts": GgufFacts(**data["facts"]),
                "mmproj": Path(data["mmproj"]) if data.get("mmproj") else None,
                "mmproj_facts": GgufFacts(**projector) if projector else None,
            }
        )


def define(
    name: str,
    gguf: Path,
    *,
    mmproj: Path | None = None,
    template: str | None = None,
    system: str | None = None,
    context_length: int | None = None,
) -> CustomModel:
    """A custom model, its files read and checked now (slow for big files: call off the loop)."""
    if not NAME.fullmatch(name) or name.startswith("app:"):
        raise InvalidRequest(
            f"{name!r} cannot name a model: use letters, digits and . _ : - (at most 100), "
            "starting with a letter or digit, and not 'app:'."
        )
    for path, flag in ((gguf, "from"), (mmproj, "mmproj")):
        if path is not None and not path.is_absolute():
            raise InvalidRequest(f"'{flag}' must be an absolute path on the server: {path}")
    facts = read_gguf(gguf)
    if (problem := facts.chat_problem()) is not None:
        hint = (" Give it as the projector (--mmproj, 'mmproj' in the API) next to the "
                "model's own GGUF file.") if facts.is_projector else ""  # fmt: skip
        raise InvalidRequest(f"{gguf.name} {problem}.{hint}")
    projector = read_gguf(mmproj) if mmproj is not None else None
    if mmproj is not None and projector is not None and not projector.is_projector:
        raise InvalidRequest(
            f"{mmproj.name} is not a vision projector: its architecture is "
            f"{projector.architecture!r}, where llama.cpp's projectors (mmproj-*.gguf) say 'clip'."
        )
    longest = facts.context_length or DEFAULT_CONTEXT
    context = context_length or min(DEFAULT_CONTEXT, longest)
    if not 256 <= context <= longest:
        raise InvalidRequest(
            f"A context of {context} tokens does not fit {gguf.name}: choose 256 to {longest} "
            "(--ctx; 'context_length' in the API)."
        )
    if system is not None and not system.strip():
        system = None
    if template is not None:
        _check_template(template)
    return CustomModel(
        name=name, gguf=gguf, facts=facts, context_length=context, system=system,
        template=template or None, mmproj=mmproj, mmproj_facts=projector, created_at=time.time(),
    )  # fmt: skip


def spec_of(model: CustomModel) -> ModelSpec:
    """How the kernel loads and budgets ``model``; the spec's ``card`` is the definition."""
    facts = model.facts
    projector = model.mmproj_facts.size_bytes if model.mmproj_facts else 0
    slot = facts.kv_cache_bytes(model.context_length)
    mapped = int(facts.size_bytes * (1 + MAPPED_OVERHEAD)) + projector
    return ModelSpec(
        name=model.name,
        capability="chat",
        description=f"{facts.name} ({facts.file_type or 'GGUF'}), your file {model.gguf}"
        + (" with a vision projector" if model.sees else ""),
        memory_bytes=mapped + slot + WORK_BUFFERS + PROMPT_CACHE_MIB * 2**20,
        threads=2,
        slot_bytes=slot,
        load=_loader(model),
        install=install_extra("chat"),
        licence="yours: see where the file came from",
        card=model,
    )


def custom_model(spec: ModelSpec) -> CustomModel | None:
    """The definition behind ``spec``, when it is a user's model."""
    return spec.card if isinstance(spec.card, CustomModel) else None


def _loader(model: CustomModel):
    def load(context: LoadContext):
        from llmos.backends.llama_cpp import LlamaCppServer

        for path in (model.gguf, model.mmproj):
            if path is not None and not path.is_file():
                raise ModelLoadFailed(
                    f"{model.name}'s file {path} is gone: put it back, or `llmos rm {model.name}`."
                )
        engine = LlamaCppServer(
            model.name, model.gguf, n_ctx=model.context_length, threads=context.threads,
            slots=context.parallel, mmproj=model.mmproj, chat_template=model.template,
        )  # fmt: skip
        return WithSystem(engine, model.system) if model.system else engine

    return load


class WithSystem:
    """A chat engine whose conversations start with ``system`` when they bring no system
    message of their own (Ollama's ``SYSTEM``)."""

    def __init__(self, engine: Any, system: str) -> None:
        self.engine, self.system = engine, system
        self.name, self.n_ctx = engine.name, engine.n_ctx

    def chat(self, body: Json, *, on_chunk, stop: threading.Event) -> Json:
        messages = list(body.get("messages") or [])
        systems = [m for m in messages if m.get("role") in ("system", "developer")]
        if all(str(m.get("content")).startswith(LLMOS_NOTES) for m in systems):
            if messages and messages[0] in systems:  # one system message, as templates want
                first = messages[0]
                messages[0] = {**first, "content": f"{self.system}\n\n{first['content']}"}
            else:
                messages.insert(0, {"role": "system", "content": self.system})
            body = {**body, "messages": messages}
        return self.engine.chat(body, on_chunk=on_chunk, stop=stop)

    def complete(self, body: Json, *, on_chunk, stop: threading.Event) -> Json:
        return self.engine.complete(body, on_chunk=on_chunk, stop=stop)

    def close(self) -> None:
        self.engine.close()


def _check_template(template: str) -> None:
    """A template llama.cpp's Jinja engine would refuse at load is refused now."""
    import jinja2

    try:
        jinja2.Environment().parse(template)
    except jinja2.TemplateSyntaxError as error:
        raise InvalidRequest(
            f"The chat template is not valid Jinja (line {error.lineno}: {error.message})."
        ) from None
