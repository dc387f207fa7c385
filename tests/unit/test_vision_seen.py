"""Captions and answers from a model with a vision projector: the picture goes to it (with the
experts' facts as evidence when the settings say so), its words are kept, and the blind path
is unchanged for other models. No vision-language weights exist here, so the chat model's reply
is recorded and given; the requests and the routing are under test."""

from __future__ import annotations

import asyncio
import io
from types import SimpleNamespace

import pytest
from PIL import Image

from llmos.capabilities.chat import SMOLLM2
from llmos.capabilities.chat.custom import define, spec_of
from llmos.capabilities.vision import seen
from llmos.capabilities.vision.answer import CANNOT_TELL
from llmos.capabilities.vision.types import Label, Photo, VisualFacts
from llmos.fusion.vision import Vision
from tests.gguf_files import tiny_gguf

FACTS = VisualFacts(
    photo=Photo(width=8, height=8, grayscale=False, brightness=0.5, colours=("red",)),
    labels=(Label("tabby", 0.8, ("domestic cat", "cat", "feline", "animal")),),
    objects=(),
    faces=(),
    text=(),
)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


class Kernel:
    """The kernel's calls a caption makes, with the chat model's reply given: every request
    that reaches a chat model is kept in ``asked``, with the model's name."""

    def __init__(self, specs: dict, reply: str) -> None:
        self.specs, self.reply, self.asked = specs, reply, []
        self.registry = SimpleNamespace(resolve=lambda _capability, name: self.specs[name])

    async def compute(self, work, *args):
        return work(*args)

    async def run(self, spec, job):
        return job(spec.name, None)


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    eyes = spec_of(define("eyes", tiny_gguf(tmp_path / "m.gguf"), mmproj=tiny_gguf(
        tmp_path / "mmproj.gguf", "clip")))  # fmt: skip
    made = Kernel({None: SMOLLM2, "eyes": eyes, SMOLLM2.name: SMOLLM2}, reply="")

    def chat_completion(model, request, *, on_chunk, stop):
        made.asked.append((model, request))
        reply = {"choices": [{"message": {"content": made.reply}}]}
        return SimpleNamespace(response=reply)

    monkeypatch.setattr("llmos.fusion.vision.chat_completion", chat_completion)
    return made


def image_parts(request: dict) -> list[dict]:
    user = request["messages"][-1]["content"]
    return [part for part in user if part["type"] == "image_url"] if isinstance(user, list) else []


@pytest.mark.parametrize("with_facts", [True, False])
def test_a_model_that_sees_captions_the_picture_itself(kernel, with_facts):
    kernel.reply = '"A red square on its own."'
    vision = Vision(kernel, with_facts=with_facts)
    caption = asyncio.run(vision.caption(FACTS, model="eyes", picture=png()))
    assert (caption.text, caption.source) == ("A red square on its own.", "model")
    [(model, request)] = kernel.asked
    assert model == "eyes"
    [picture] = image_parts(request)
    assert picture["image_url"]["url"].startswith("data:image/png;base64,")
    texts = " ".join(p["text"] for p in request["messages"][-1]["content"] if p["type"] == "text")
    assert ("tabby" in texts) == with_facts


def test_the_settings_vision_model_is_used_when_a_request_names_none(kernel):
    kernel.reply = '{"answer": "a square", "confidence": "high"}'
    vision = Vision(kernel, vision_model="eyes")
    answer = asyncio.run(vision.answer(FACTS, "What shape is it?", picture=png()))
    assert (answer.answer, answer.confidence, answer.abstained) == ("a square", 0.7, False)
    assert answer.evidence == "eyes looked at the picture"
    [(model, request)] = kernel.asked
    assert model == "eyes" and image_parts(request)
    assert request["response_format"]["type"] == "json_schema"


def test_a_model_that_sees_may_not_tell_and_is_not_asked_to_judge_gender_or_age(kernel):
    kernel.reply = '{"answer": "cannot tell", "confidence": "low"}'
    vision = Vision(kernel, vision_model="eyes")
    unsure = asyncio.run(vision.answer(FACTS, "What brand is it?", picture=png()))
    assert unsure.abstained and unsure.answer == CANNOT_TELL
    refused = asyncio.run(vision.answer(FACTS, "Is this a man?", picture=png()))
    assert refused.abstained and refused.evidence == "policy"
    assert len(kernel.asked) == 1  # the policy answered without the model


def test_blind_models_still_word_the_experts_facts(kernel):
    kernel.reply = "A tabby cat."
    caption = asyncio.run(Vision(kernel).caption(FACTS, picture=png()))
    assert caption.source == "llm"
    [(model, request)] = kernel.asked
    assert model == SMOLLM2.name and not image_parts(request)
    kernel.asked.clear()  # a model that sees, without the picture (a caller with facts only)
    caption = asyncio.run(Vision(kernel).caption(FACTS, model="eyes"))
    assert caption.source == "llm" and not image_parts(kernel.asked[0][1])
    kernel.asked.clear()  # a request that names a blind model overrides the settings' one
    asked_for = Vision(kernel, vision_model="eyes")
    assert asked_for.sees(None) and not asked_for.sees(SMOLLM2.name)
    caption = asyncio.run(asked_for.caption(FACTS, model=SMOLLM2.name, picture=png()))
    assert caption.source == "llm" and kernel.asked[0][0] == SMOLLM2.name


def test_a_reply_that_judges_gender_or_age_is_not_kept(kernel):
    kernel.reply = "A young woman holding a tabby cat."
    vision = Vision(kernel, vision_model="eyes")
    caption = asyncio.run(vision.caption(FACTS, picture=png()))
    assert caption.source == "template" and caption.unsupported == ("woman",)
    assert "woman" not in caption.text
    kernel.reply = '{"answer": "a girl", "confidence": "high"}'
    answer = asyncio.run(vision.answer(FACTS, "Who holds the cat?", picture=png()))
    assert answer.abstained and answer.evidence == "policy"
    request = kernel.asked[0][1]
    assert "never judge a person's gender or age" in request["messages"][0]["content"]


def test_answers_can_go_without_the_experts_facts(kernel):
    kernel.reply = '{"answer": "yes", "confidence": "medium"}'
    vision = Vision(kernel, vision_model="eyes", with_facts=False)
    answer = asyncio.run(vision.answer(FACTS, "Is it red?", picture=png()))
    assert (answer.answer, answer.confidence) == ("yes", 0.5)
    user = kernel.asked[0][1]["messages"][-1]["content"]
    assert [part["type"] for part in user] == ["image_url", "text"]
    assert user[1]["text"] == "Question: Is it red?"


def test_an_empty_reply_keeps_the_experts_sentence(kernel):
    caption = asyncio.run(Vision(kernel).caption(FACTS, model="eyes", picture=png()))
    assert caption.source == "template" and "tabby" in caption.text


def test_replies_are_read_as_a_model_that_sees_says_them():
    assert seen.read_caption(' "A cat\n on a mat." ') == "A cat on a mat."
    kept = seen.read_answer('{"answer": "a zebra", "confidence": "medium"}', "eyes")
    assert (kept.answer, kept.confidence) == ("a zebra", 0.5)  # no expert saw one: kept
    assert seen.read_answer("not json", "eyes").abstained
