"""Captions, routed answers and the invented-noun check, on hand-made facts (no models)."""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import numpy as np
import pytest

from llmos.capabilities.vision import caption, vocabulary
from llmos.capabilities.vision.answer import CANNOT_TELL, read_llm_answer, route
from llmos.capabilities.vision.colours import dominant_colours, is_grayscale
from llmos.capabilities.vision.facts import assemble
from llmos.capabilities.vision.images import (
    MAX_PIXELS,
    bytes_of_data_uri,
    decode_image,
    looks_like_image,
)
from llmos.capabilities.vision.types import (
    Box,
    DetectedObject,
    Label,
    Photo,
    TextLine,
    VisualFacts,
)
from llmos.errors import InvalidRequest

PHOTO = Photo(width=640, height=480, grayscale=False, brightness=0.5, colours=("brown", "grey"))


def cat_photo(**changes) -> VisualFacts:
    facts = {
        "photo": PHOTO,
        "labels": (Label("tabby", 0.81, ("domestic cat", "cat", "feline", "animal")),),
        "kinds": {"animal": 0.95, "cat": 0.9, "domestic cat": 0.86, "tabby": 0.81},
        "objects": (DetectedObject("cat", 0.93, Box(0, 0, 400, 300), ("grey", "brown")),),
        "faces": (),
        "text": (),
    }
    return VisualFacts(**(facts | changes))


def test_the_template_names_only_what_the_experts_saw():
    text = caption.template(cat_photo())
    assert text == "A photo of a grey cat, which looks like a tabby."
    two_people = cat_photo(
        labels=(),
        objects=(
            DetectedObject("person", 0.9, Box(0, 0, 10, 10)),
            DetectedObject("person", 0.8, Box(20, 0, 10, 10)),
        ),
    )
    assert caption.template(two_people) == "A photo of two people."


def test_invented_nouns_are_found_and_supported_ones_are_not():
    facts = cat_photo()
    assert caption.unsupported_nouns("A grey tabby cat lying in a photo.", facts) == ()
    assert caption.unsupported_nouns("A cat beside a dog and a sofa.", facts) == ("dog", "sofa")
    # gender is never supported, even when a person was detected
    person = cat_photo(objects=(DetectedObject("person", 0.9, Box(0, 0, 9, 9)),), labels=())
    assert caption.unsupported_nouns("A woman holding a person.", person) == ("woman",)


@pytest.mark.parametrize(
    ("question", "answer", "abstained"),
    [
        ("How many cats are there?", "1", False),
        ("how many dogs are in the picture", "0", False),
        ("How many coins are there?", None, True),  # not a detector class: no guess
        ("What colour is the cat?", "grey and brown", False),
        ("What color is the person?", None, True),  # never the colours of people
        ("Is there a dog?", "no", False),
        ("Is there an animal?", "yes", False),  # through WordNet: a tabby is one
        ("Is this a feline?", "yes", False),
        ("Are there any cats in the image?", "yes", False),
        ("Is this a black and white photo?", "no", False),
        ("What does the sign say?", "I can't see any readable text in this image.", False),
    ],
)
def test_questions_an_expert_settles_are_answered_in_code(question, answer, abstained):
    result = route(question, cat_photo())
    assert result is not None and result.abstained == abstained
    if answer is not None:
        assert result.answer == answer


def test_open_questions_go_to_the_llm_and_its_guesses_are_refused():
    facts = cat_photo()
    assert route("Why is the cat sitting there?", facts) is None
    assert read_llm_answer('{"answer": "cannot tell", "confidence": "low"}', facts).abstained
    invented = read_llm_answer('{"answer": "a dog", "confidence": "high"}', facts)
    assert invented.abstained and invented.answer == CANNOT_TELL and "dog" in invented.evidence
    kept = read_llm_answer('{"answer": "a tabby cat", "confidence": "high"}', facts)
    assert not kept.abstained and kept.answer == "a tabby cat"
    assert read_llm_answer("not json", facts).abstained


def test_words_map_to_detector_classes():
    assert vocabulary.coco_class("people") == "person"
    assert vocabulary.coco_class("motorbikes") == "motorcycle"
    assert vocabulary.coco_class("coins") is None
    assert "animal" in vocabulary.broader("cat") and "vehicle" in vocabulary.broader("car")
    assert vocabulary.setting_of(["sofa"]) == "indoor" == vocabulary.setting_of(["couch"])
    assert vocabulary.setting_of(["alp"]) == "outdoor" and vocabulary.setting_of(["cat"]) is None


def png(width: int, height: int) -> bytes:
    from PIL import Image

    noise = np.random.default_rng(0).integers(0, 256, (height, width, 3), np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "PNG")
    return out.getvalue()


def test_bad_images_are_refused_with_a_reason():
    with pytest.raises(InvalidRequest, match="empty"):
        decode_image(b"")
    with pytest.raises(InvalidRequest, match="not an image"):
        decode_image(b"hello, this is text")
    with pytest.raises(InvalidRequest, match="damaged or cut short"):
        decode_image(png(64, 64)[:2000])  # of about 12 kB
    with pytest.raises(InvalidRequest, match="too small"):
        decode_image(png(4, 4))
    assert decode_image(png(64, 32)).rgb.shape == (32, 64, 3)


def test_a_png_declaring_a_huge_size_is_refused_before_decoding():
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    side = 100_000  # 10 gigapixels declared, a few bytes sent
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
    with pytest.raises(InvalidRequest, match="megapixels"):
        decode_image(bomb + chunk(b"IEND", b""))
    assert side * side > MAX_PIXELS
    assert looks_like_image(bomb)  # so a chat attachment gets decode_image's 400, not a 500
    assert not looks_like_image(b"%PDF-1.7 ...") and not looks_like_image(b"plain text")


def test_data_uris():
    data = png(16, 16)
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    assert bytes_of_data_uri(uri) == data
    with pytest.raises(InvalidRequest, match="base64"):
        bytes_of_data_uri("data:image/png,rawbytes")
    with pytest.raises(InvalidRequest, match="not an image"):
        bytes_of_data_uri("data:text/plain;base64,aGVsbG8=")


def page_of_text(*lines: tuple[str, int]) -> VisualFacts:
    """Facts of a scanned page: (text, type height) per line, top to bottom."""
    text = tuple(
        TextLine(words, 0.95, Box(10, 10 + row * 40, 300, height))
        for row, (words, height) in enumerate(lines)
    )
    grey = Photo(width=400, height=300, grayscale=True, brightness=0.8, colours=("white",))
    return VisualFacts(photo=grey, labels=(), objects=(), faces=(), text=text)


def test_a_page_is_captioned_as_text_and_its_title_is_the_largest_line():
    page = page_of_text(("Annual report", 30), ("Sales rose in spring", 14), ("and fell later", 14))
    assert caption.template(page).startswith("A black-and-white photo of a page of text, which")
    assert caption.unsupported_nouns("A page of text, a document.", page) == ()
    assert route("What is the title?", page).answer == "Annual report"
    assert caption.names_something(page)


def test_a_photo_nothing_recognises_is_said_plainly_and_not_reworded():
    empty = VisualFacts(photo=PHOTO, labels=(), objects=(), faces=(), text=())
    assert (
        caption.template(empty) == "A mostly brown photo; llmos's experts recognise nothing in it."
    )
    assert not caption.names_something(empty)
    assert caption.unsupported_nouns(caption.template(empty), empty) == ()


def test_colours_are_named_by_hue_and_a_star_field_is_not_black_and_white():
    tan_fur = np.full((64, 64, 3), (150, 110, 80), np.uint8)
    assert dominant_colours(tan_fur) == ("brown",)  # 8-bit LAB made it "grey"
    stars = np.zeros((200, 200, 3), np.uint8)
    rng = np.random.default_rng(0)
    ys, xs = rng.integers(0, 200, 800), rng.integers(0, 200, 800)
    stars[ys, xs] = (255, 120, 40)  # ~2 % of the pixels are coloured dots
    assert not is_grayscale(stars)
    assert is_grayscale(np.repeat(rng.integers(0, 255, (200, 200, 1), np.uint8), 3, axis=2))


def test_a_picture_that_people_fill_gets_no_colours():
    person = (DetectedObject("person", 0.9, Box(100, 0, 400, 480)),)
    portrait = assemble(PHOTO, ((), {}), person, [], (), None, {})
    assert portrait.photo.colours == ()
    assert route("What colour is the background?", portrait).abstained
    small = (DetectedObject("person", 0.9, Box(0, 0, 50, 100)),)
    small = assemble(PHOTO, ((), {}), small, [], (), None, {})
    assert small.photo.colours == PHOTO.colours


def test_a_sign_is_captioned_by_its_text():
    sign = VisualFacts(
        photo=PHOTO,
        labels=(),
        objects=(),
        faces=(),
        text=(TextLine("EMERGENCY EXIT", 0.97, Box(10, 10, 200, 40)),),
    )
    assert caption.template(sign) == "A photo with the text “EMERGENCY EXIT”."
    assert caption.names_something(sign)


def test_kinds_the_classifier_knows_are_answered_in_code_not_by_the_llm():
    pizza = VisualFacts(
        photo=PHOTO,
        labels=(Label("pizza", 0.9, ("dish", "food")),),
        objects=(),
        faces=(),
        text=(),
        kinds={"food": 0.92, "dish": 0.91, "pizza": 0.9},
    )
    assert route("Is this food?", pizza).answer == "yes"
    no = route("Is there an animal?", pizza)
    assert no.answer == "no" and "pizza" in no.evidence
    unsure = replace(pizza, labels=(), kinds={})
    assert route("Is there an animal?", unsure).abstained  # decided here, not by the LLM
    assert route("Is there a unicorn?", unsure) is None  # a word the experts do not know


@pytest.mark.parametrize(
    "question",
    ["Is this a woman?", "How many men are there?", "How old is the person?", "Is it a boy?"],
)
def test_gender_and_age_are_never_judged(question):
    person = cat_photo(objects=(DetectedObject("person", 0.95, Box(0, 0, 300, 400)),), labels=())
    answer = route(question, person)
    assert answer is not None and answer.abstained and answer.evidence == "policy"
    assert route("How many people are there?", person).answer == "1"


def test_a_person_class_label_is_only_a_person():
    from llmos.capabilities.vision.facts import gate_labels
    from llmos.capabilities.vision.vocabulary import imagenet_labels

    probs = np.zeros(1000, np.float32)
    probs[imagenet_labels().index("groom")] = 0.9
    labels, kinds = gate_labels(probs)
    assert [label.name for label in labels] == ["person"] and "groom" not in kinds
