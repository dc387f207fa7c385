"""Write capabilities/vision/data/imagenet_hierarchy.json: every ImageNet-1k class's WordNet 3.0
synset and the hypernyms above it, so labels can be summed up the tree; and the synset of each
of the detector's 80 COCO classes with its hypernyms, so a label and a detection can be compared
("tabby" is a kind of "cat"; "ungulate" is not contradicted by "giraffe").

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

from llmos.capabilities.vision.vocabulary import COCO_CLASSES

DATA_NOUN = Path("/usr/share/wordnet/data.noun")
INDEX_NOUN = Path("/usr/share/wordnet/index.noun")
# COCO classes whose WordNet word or sense is not the first one found
COCO_WORDS = {
    "cow": "cattle", "tv": "television receiver", "cell phone": "cellular telephone",
    "couch": "sofa", "sports ball": "ball", "hair drier": "hand blower",
    "teddy bear": "teddy", "fire hydrant": "fireplug", "stop sign": "street sign",
    "skis": "ski", "tie": "necktie", "handbag": "bag", "wine glass": "wineglass",
    "microwave": "microwave oven", "remote": "remote control", "keyboard": "computer keyboard",
    "mouse": "computer mouse", "refrigerator": "electric refrigerator",
    "hot dog": "hotdog",
}  # fmt: skip
COCO_SENSES = {"kite": "n03621473", "orange": "n07747607", "apple": "n07739125",
               "baseball bat": "n02799175", "cake": "n07628870", "bowl": "n02880940",
               "toilet": "n04446521", "train": "n04468005", "bus": "n02924116",
               "cup": "n03147509", "donut": "n07639069", "book": "n02870092",
               "potted plant": "n03991062"}  # fmt: skip
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


def first_senses(path: Path) -> dict[str, list[str]]:
    """Lemma -> its noun synsets, most frequent sense first."""
    senses = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split(" ")
        count = int(fields[2])
        pointers = int(fields[3])
        offsets = fields[6 + pointers : 6 + pointers + count]
        senses[fields[0].replace("_", " ")] = [f"n{offset}" for offset in offsets]
    return senses


def coco_synsets(known: set[str]) -> dict[str, str]:
    """Each COCO class's synset: a set one, else a sense already in the ImageNet tree, else
    the most frequent sense."""
    senses = first_senses(INDEX_NOUN)
    out = {}
    for label in sorted(COCO_CLASSES):
        word = COCO_WORDS.get(label, label)
        if label in COCO_SENSES:
            out[label] = COCO_SENSES[label]
            continue
        candidates = senses[word]
        out[label] = next((c for c in candidates if c in known), candidates[0])
    return out


def add_with_hypernyms(nodes: dict[str, dict], synsets: list[str], wordnet: dict) -> None:
    """Add ``synsets`` and every hypernym above them to ``nodes``."""
    todo = list(synsets)
    while todo:
        synset = todo.pop()
        if synset in nodes:
            continue
        lemmas, parents = wordnet[synset]
        nodes[synset] = {"name": lemmas[0], "lemmas": lemmas, "parents": parents}
        todo += parents


def main() -> None:
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        classes = wheel.read(SYNSETS).decode().split()
    assert len(classes) == 1000, len(classes)
    wordnet = read_wordnet(DATA_NOUN)
    nodes: dict[str, dict] = {}
    add_with_hypernyms(nodes, classes, wordnet)
    coco = coco_synsets(set(nodes))
    add_with_hypernyms(nodes, list(coco.values()), wordnet)
    data = {
        "about": "ImageNet-1k classes (in model output order) and their WordNet 3.0 hypernyms; "
        "written by scripts/make_imagenet_hierarchy.py from Debian's wordnet-base (WordNet "
        "3.0, Princeton licence) and timm's class list. See NOTICE.",
        "classes": classes,
        "coco": coco,
        "nodes": dict(sorted(nodes.items())),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(classes)} classes, {len(nodes)} synsets")


if __name__ == "__main__":
    main()
