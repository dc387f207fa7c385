"""The compositional scenes: fixed by their seeds, drawn as described, asked what they show."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from llmos.learn.scenes import COLOURS, Scene, Thing, answers, render, scene, scenes


def test_scenes_are_fixed_by_their_seeds_and_splits_differ():
    assert scenes("train", 5) == scenes("train", 5)
    assert scene(7) == scene(7) and scene(7) != scene(8)
    assert not set(scenes("train", 50)) & set(scenes("test", 50))
    with pytest.raises(ValueError, match="split must be"):
        scenes("dev", 1)


def test_a_scene_is_drawn_as_its_description_says():
    for seed in range(20):
        made = scene(seed)
        pixels = np.asarray(render(made, size=64))
        for thing in made.things:
            centre = pixels[round(thing.y * 64), round(thing.x * 64)]
            assert tuple(centre) == COLOURS[thing.colour], (seed, thing)
        bottom = pixels[44:60].min()
        assert (bottom < 60) == (made.word is not None), seed  # dark letters only with a word


def test_questions_need_the_picture_and_have_known_answers():
    made = Scene(
        (Thing("circle", "red", "large", 0.8, 0.3), Thing("square", "blue", "small", 0.2, 0.45)),
        "CAT",
    )
    assert made.caption() == (
        "a small blue square left of a large red circle. the word CAT is written."
    )
    asked = dict(made.questions())
    assert asked["how many circles are there?"] == "1"
    assert asked["how many triangles are there?"] == "0"
    assert asked["what colour is the square?"] == "blue"
    assert asked["is the red shape left of the blue shape?"] == "no"
    assert asked["what word is written?"] == "CAT"
    every = {answer for s in scenes("train", 300) for _, answer in s.questions()}
    assert every <= set(answers()) and len(answers()) == len(set(answers()))


def test_shapes_never_touch_and_left_of_is_asked_only_of_unique_colours():
    from llmos.learn.scenes import SIZES

    for made in scenes("train", 500):
        for a in made.things:
            for b in made.things:
                if a is not b:
                    assert abs(a.x - b.x) > SIZES[a.size] + SIZES[b.size]
        colours = [t.colour for t in made.things]
        for question, _answer in made.questions():
            if "left of" in question:
                named = [c for c in colours if f"the {c} shape" in question]
                assert all(colours.count(c) == 1 for c in named) and len(named) == 2
