"""The subject expert on synthetic pictures whose answer is known by construction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from llmos.capabilities.vision.answer import route
from llmos.capabilities.vision.facts import assemble, photo_of
from llmos.capabilities.vision.images import DecodedImage
from llmos.capabilities.vision.subject import find_subject
from llmos.capabilities.vision.types import Box, DetectedObject, Label, VisualFacts

cv2 = pytest.importorskip("cv2")


def orange_disc_on_blurred_green(centre=(330, 230), radius=110) -> np.ndarray:
    """An orange disc with a fine texture on a dark green, blurred, noisy background."""
    rng = np.random.default_rng(0)
    background = (rng.random((480, 640, 3)) * 60).astype(np.uint8)
    background[..., 1] += 60
    background[..., 0] //= 3
    background[..., 2] //= 3
    picture = cv2.GaussianBlur(background, (0, 0), 6)
    disc = np.zeros((480, 640), np.uint8)
    cv2.circle(disc, centre, radius, 1, -1)
    texture = (rng.random((480, 640)) * 40 - 20).astype(np.int16)
    orange = np.array([240, 130, 30], np.int16) + texture[..., None]
    picture[disc.astype(bool)] = np.clip(orange, 0, 255).astype(np.uint8)[disc.astype(bool)]
    return picture


def test_an_orange_disc_on_a_blurred_green_background_is_found_with_its_colours():
    subject = find_subject(orange_disc_on_blurred_green())
    assert subject is not None
    assert subject.colours == ("orange",) and subject.background_colours == ("dark green",)
    assert subject.background == "blurred" and subject.position == "centre"
    box = subject.box  # the disc spans 220-440 across and 120-340 down
    assert abs(box.x - 220) <= 8 and abs(box.y - 120) <= 8
    assert abs(box.width - 220) <= 12 and abs(box.height - 220) <= 12
    assert subject.share == pytest.approx(np.pi * 110**2 / (640 * 480), abs=0.01)


def test_a_sharp_background_is_not_called_blurred_and_the_place_is_named():
    rng = np.random.default_rng(1)
    picture = (rng.random((480, 640, 3)) * 255).astype(np.uint8)
    cv2.circle(picture, (100, 100), 60, (240, 130, 30), -1)
    subject = find_subject(picture)
    assert subject is not None and subject.colours == ("orange",)
    assert subject.background == "sharp" and subject.position == "top left"


def test_a_detector_box_seeds_the_subject_and_a_flat_picture_has_none():
    seeded = find_subject(orange_disc_on_blurred_green(), seed=Box(200, 100, 260, 260))
    assert seeded is not None and seeded.colours == ("orange",)
    assert find_subject(np.full((300, 400, 3), 128, np.uint8)) is None
    assert find_subject(np.zeros((10, 2000, 3), np.uint8)) is None  # too thin to hold one


def facts_of_disc() -> VisualFacts:
    """The disc's facts as the pipeline assembles them, no label or object recognised."""
    rgb = orange_disc_on_blurred_green()
    return assemble(photo_of(DecodedImage(rgb)), ((), {}), (), [], (), find_subject(rgb), {})


def test_a_colour_question_about_the_subject_is_answered_from_its_own_pixels():
    facts = facts_of_disc()
    assert "orange" not in facts.photo.colours[:1]  # the frame is mostly green
    colour = route("What colour is the disc?", facts)
    assert colour is not None and colour.answer == "orange" and "subject" in colour.evidence
    background = route("What colour is the background?", facts)
    assert background is not None and background.answer == "dark green"
    blurred = route("Is the background blurred?", facts)
    assert blurred is not None and blurred.answer.startswith("yes")
    assert route("Is the background in focus?", facts).answer.startswith("no")
    where = route("Where is the disc?", facts)
    assert where is not None and where.answer == "at the centre"


def test_a_labelled_subject_answers_for_its_kind_only():
    disc = facts_of_disc()
    flower = replace(disc, labels=(Label("flower", 0.8, ("angiosperm", "plant")),))
    assert route("What colour is the flower?", flower).answer == "orange"
    assert route("What colour is the plant?", flower).answer == "orange"  # a flower is one
    car = route("What colour is the car?", flower)
    assert car.abstained  # no car was seen: the subject's colour is not the car's


def test_a_subject_that_is_a_person_gets_no_colours():
    rgb = orange_disc_on_blurred_green()
    person = (DetectedObject("person", 0.9, Box(215, 115, 230, 230)),)
    facts = assemble(photo_of(DecodedImage(rgb)), ((), {}), person, [], (), find_subject(rgb), {})
    assert facts.subject is not None and facts.subject.colours == ()
    assert route("What colour is the woman?", facts).abstained
