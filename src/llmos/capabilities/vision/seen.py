"""Captions and answers from a chat model that sees the picture itself (a vision projector).

The picture goes to the model as an image part, followed by the image experts' facts as
evidence when asked for (the ``vision_model_facts`` setting). A model that sees may rightly name
what no expert saw, so its words are not checked against the facts as a blind model's are; they
are checked for judging anyone's gender or age, which llmos never does.
"""

from __future__ import annotations

from typing import Any

from llmos.capabilities.vision.answer import (
    POLICY,
    answer_format,
    facts_text,
    judging_words,
    parsed_answer,
)
from llmos.capabilities.vision.types import Answer, VisualFacts

PEOPLE = "Call anyone a person or people: never judge a person's gender or age."
CAPTION_SYSTEM = (
    "Describe the picture in one plain sentence of at most 25 words: what it shows, "
    f"without opinions. {PEOPLE}"
)
QUESTION_SYSTEM = (
    "Answer the question about the picture from what you see in it. If the picture does not "
    f"settle the question, answer exactly 'cannot tell' with low confidence. {PEOPLE} "
    "{style}"
)


def caption_request(picture_url: str, evidence: VisualFacts | None) -> dict[str, Any]:
    """A request for one sentence about the picture at ``picture_url`` (a data URI)."""
    return {
        "messages": [
            {"role": "system", "content": CAPTION_SYSTEM},
            _asking(picture_url, evidence, "Describe this picture."),
        ],
        "max_tokens": 64,
        "temperature": 0,
        "seed": 0,
    }


def question_request(
    question: str, picture_url: str, evidence: VisualFacts | None
) -> dict[str, Any]:
    """A request whose JSON answer says what the picture shows, or that it cannot tell."""
    style, response_format = answer_format(question)
    return {
        "messages": [
            {"role": "system", "content": QUESTION_SYSTEM.format(style=style)},
            _asking(picture_url, evidence, f"Question: {question.strip()}"),
        ],
        "response_format": response_format,
        "max_tokens": 64,
        "temperature": 0,
        "seed": 0,
    }


def read_answer(content: str, model: str) -> Answer:
    """The model's JSON answer, or an abstention when it gave none, could not tell, or judged
    someone's gender or age."""
    parsed = parsed_answer(content, unsettled="the picture does not settle it")
    if isinstance(parsed, Answer):
        return parsed
    text, confidence = parsed
    if judging_words(text):
        return POLICY
    return Answer(text, confidence, f"{model} looked at the picture")


def read_caption(content: str) -> str:
    """The caption's sentence: one line, without the quotes small models put around it."""
    return " ".join(content.split()).strip('"“” ')


def _asking(picture_url: str, evidence: VisualFacts | None, text: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"type": "image_url", "image_url": {"url": picture_url}}]
    if evidence is not None:
        seen = facts_text(evidence)
        parts.append({"type": "text", "text": f"[What image experts found in it: {seen}]"})
    parts.append({"type": "text", "text": text})
    return {"role": "user", "content": parts}
