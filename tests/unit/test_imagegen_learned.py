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
              "square": "square", "left": "left", "of": "of", ".": ".", "the": "the",
              "word": "word", "is": "is", "written": "written", "cat": "CAT"},
    "pattern": r"a small (red|blue) (circle|square)( left of a small (red|blue) (circle|square))?"
               r"\.?( the word (CAT) is written\.?)?",
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
    for outside in ("a cat on a sofa", "a large red circle", "red red red", "a small red circle 3"):
        with pytest.raises(InvalidRequest, match="a small red circle"):
            generator.caption_of(outside)


@pytest.mark.parametrize(
    "about", [{}, {**ABOUT, "grammar": {**GRAMMAR, "pattern": "("}}, {**ABOUT, "latent": "x"}]
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
    assert served.models[0].path == tmp_path / "good.pt2"
    assert capability(tmp_path / "missing") is None
    assert isinstance(read(tmp_path / "good.pt2"), Generator)
