"""Write capabilities/vision/data/imagenet_hierarchy.json: every ImageNet-1k class's WordNet 3.0
synset and the hypernyms above it, so labels can be summed up the tree.

Inputs, both read at development time only (the output file is committed and shipped):
- Debian's WordNet 3.0 (``apt-get install wordnet-base``): /usr/share/wordnet/data.noun, whose
  byte offsets are ImageNet's synset ids (n + 8 digits);
- the 1000 class ids in the models' output order, from timm (Apache-2.0):
  ``pip download --no-deps timm==1.0.31`` and pass the wheel.

    python scripts/make_imagenet_hierarchy.py timm-1.0.31-py3-none-any.whl
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

DATA_NOUN = Path("/usr/share/wordnet/data.noun")
OUT = Path(__file__).parents[1] / "src/llmos/capabilities/vision/data/imagenet_hierarchy.json"
SYNSETS = "timm/data/_info/imagenet_synsets.txt"


def read_wordnet(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Synset id -> (lemmas, hypernym ids), for every noun synset."""
    synsets = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence header
            continue
        fields = line.split(" ")
        offset, count = fields[0], int(fields[3], 16)
        lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
        at = 4 + 2 * count
        pointers = int(fields[at])
        parents = []
        for i in range(pointers):
            symbol, target, pos = fields[at + 1 + 4 * i : at + 4 + 4 * i]
            if symbol in ("@", "@i") and pos == "n":
                parents.append(f"n{target}")
        synsets[f"n{offset}"] = ([lemma.split("(")[0] for lemma in lemmas], parents)
    return synsets


def main() -> None:
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        classes = wheel.read(SYNSETS).decode().split()
    assert len(classes) == 1000, len(classes)
    wordnet = read_wordnet(DATA_NOUN)
    nodes: dict[str, dict] = {}
    todo = list(classes)
    while todo:
        synset = todo.pop()
        if synset in nodes:
            continue
        lemmas, parents = wordnet[synset]
        nodes[synset] = {"name": lemmas[0], "lemmas": lemmas, "parents": parents}
        todo += parents
    data = {
        "about": "ImageNet-1k classes (in model output order) and their WordNet 3.0 hypernyms; "
        "written by scripts/make_imagenet_hierarchy.py from Debian's wordnet-base (WordNet "
        "3.0, Princeton licence) and timm's class list. See NOTICE.",
        "classes": classes,
        "nodes": dict(sorted(nodes.items())),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(classes)} classes, {len(nodes)} synsets")


if __name__ == "__main__":
    main()
