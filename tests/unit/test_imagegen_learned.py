"""A trained generator's file as serving reads it: its grammar decides which prompts it draws,
and a file that is not one is refused, not served."""

from __future__ import annotations

import json
import zipfile

import pytest

from llmos.capabilities.imagegen.learned import Generator, capability, read
from llmos.errors import InvalidRequest

GRAMMAR = {
    "words": {"a": "a", "red": "red", "blue": "blue", "small": "small", "circle": "circle",
              "square": "square", "left": "left", "of": "of", "the": "the", "word": "word",
              "is": "is", "written": "written"},
    "named": {"after": "word", "words": {"cat": "CAT", "red": "RED"}},
    "sentences": ["the word"],
    "pattern": r"a small (red|blue) (circle|square)( left of a small (red|blue) (circle|square))?"
               r"\.( the word (CAT|RED) is written\.)?",
    "example": "a small red circle.",
}  # fmt: skip
ABOUT = {"grammar": GRAMMAR, "latent": 16, "caption_bytes": 96}


def archive(path, about: object = ABOUT, inside: str = "x/extra/about.json"):
    with zipfile.ZipFile(path, "w") as out:
        out.writestr(inside, json.dumps(about))
        out.writestr("x/models/model.json", "{}")
    return path


def test_prompts_become_the_captions_it_learned_or_are_refused_with_an_example(tmp_path):
    generator = read(archive(tmp_path / "g.pt2"))
    assert generator.caption_of("A small RED circle") == "a small red circle."
    assert (generator.caption_of("a small blue square left of a small red circle. The word cat "
                                 "is written") ==
            "a small blue square left of a small red circle. the word CAT is written.")  # fmt: skip
    # the word after "word" is spelt as the captions name it, also where it is a colour too;
    # the periods go where the captions' sentences end, as the model saw them
    assert (generator.caption_of("a small red circle the word red is written") ==
            "a small red circle. the word RED is written.")  # fmt: skip
    prompts = ("a cat on a sofa", "a large red circle", "red red red", "a small red circle 3",
               "a small red circle. the word DOG is written", "")  # fmt: skip
    for outside in prompts:
        with pytest.raises(InvalidRequest, match="a small red circle"):
            generator.caption_of(outside)


@pytest.mark.parametrize(
    "about",
    [
        {},
        [],
        {**ABOUT, "grammar": {**GRAMMAR, "pattern": "("}},
        {**ABOUT, "latent": "x"},
        {**ABOUT, "test": [1]},
        {**ABOUT, "grammar": {**GRAMMAR, "words": {"a": 1}}},
        {**ABOUT, "grammar": {**GRAMMAR, "named": "word"}},
    ],
)
def test_a_file_that_is_not_a_generator_is_refused(tmp_path, about):
    with pytest.raises(ValueError, match="not a generator"):
        read(archive(tmp_path / "g.pt2", about))


def test_only_readable_files_with_free_names_are_served(tmp_path):
    pytest.importorskip("torch")
    archive(tmp_path / "good.pt2")
    archive(tmp_path / "taken.pt2")
    archive(tmp_path / "broken.pt2", inside="x/elsewhere.json")
    (tmp_path / "garbage.pt2").write_bytes(b"not a zip")
    served = capability(tmp_path, taken={"taken"})
    assert served is not None and [s.name for s in served.models] == ["good"]
    assert served.models[0].card.path == tmp_path / "good.pt2"
    assert capability(tmp_path / "missing") is None
    assert isinstance(read(tmp_path / "good.pt2"), Generator)


def test_the_trained_grammar_takes_every_caption_the_generator_learned_from():
    pytest.importorskip("torch")
    from llmos.learn import scenes
    from llmos.learn.generator_run import grammar

    generator = Generator("g", None, {**ABOUT, "grammar": grammar()})  # type: ignore[arg-type]
    captions = [s.caption() for s in scenes.scenes("test", 300)]
    assert any("the word RED" in c for c in captions)
    assert all(generator.caption_of(c) == c for c in captions)
    assert all(generator.caption_of(c.upper()) == c for c in captions[:50])
    assert generator.caption_of(generator.example) == generator.example


def test_a_generator_never_takes_a_shipped_or_composer_name(tmp_path):
    pytest.importorskip("torch")
    from llmos.kernel.registry import default_registry

    archive(tmp_path / "dall-e-3.pt2")
    archive(tmp_path / "llmos-composer.pt2")
    archive(tmp_path / "mine.pt2")
    served = [s.name for s in default_registry(None, tmp_path).models if s.capability == "imagegen"]
    assert served == ["mine"]
