"""The subject expert on synthetic pictures whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from llmos.capabilities.vision.subject import find_subject
from llmos.capabilities.vision.types import Box

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
    assert subject.background_blurred and subject.position == "centre"
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
    assert not subject.background_blurred and subject.position == "top left"


def test_a_detector_box_seeds_the_subject_and_a_flat_picture_has_none():
    seeded = find_subject(orange_disc_on_blurred_green(), seed=Box(200, 100, 260, 260))
    assert seeded is not None and seeded.colours == ("orange",)
    assert find_subject(np.full((300, 400, 3), 128, np.uint8)) is None
    assert find_subject(np.zeros((10, 2000, 3), np.uint8)) is None  # too thin to hold one
