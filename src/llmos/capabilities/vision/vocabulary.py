"""Word tables: the detector's classes and the words people ask for them with, scene words a
label implies, and which nouns exist.

Embedding similarity is not an existence test ("dog" vs "tiger cat" scores 0.51), so the links
between words are written down: here, and for the classifier's labels in WordNet's hierarchy
(``hierarchy.py``), which says what kind of thing each label and detector class is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from llmos.capabilities.vision.hierarchy import imagenet_hierarchy

# The detector's 80 classes; "_" joins the words of a two-word name
_COCO = (
    "person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant "
    "stop_sign parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe "
    "backpack umbrella handbag tie suitcase frisbee skis snowboard sports_ball kite "
    "baseball_bat baseball_glove skateboard surfboard tennis_racket bottle wine_glass cup fork "
    "knife spoon bowl banana apple sandwich orange broccoli carrot hot_dog pizza donut cake "
    "chair couch potted_plant bed dining_table toilet tv laptop mouse remote keyboard "
    "cell_phone microwave oven toaster sink refrigerator book clock vase scissors teddy_bear "
    "hair_drier toothbrush"
)
COCO_CLASSES = frozenset(name.replace("_", " ") for name in _COCO.split())

# Words people use for a detector class
SYNONYMS = {
    "people": "person",
    "man": "person",
    "woman": "person",
    "men": "person",
    "women": "person",
    "child": "person",
    "children": "person",
    "kid": "person",
    "boy": "person",
    "girl": "person",
    "human": "person",
    "astronaut": "person",
    "bike": "bicycle",
    "motorbike": "motorcycle",
    "scooter": "motorcycle",
    "moped": "motorcycle",
    "plane": "airplane",
    "aeroplane": "airplane",
    "kitten": "cat",
    "puppy": "dog",
    "mug": "cup",
    "sofa": "couch",
    "table": "dining table",
    "television": "tv",
    "phone": "cell phone",
    "automobile": "car",
    "ship": "boat",
    "lorry": "truck",
    "doughnut": "donut",
    "glass": "wine glass",
}

# Broad WordNet kinds that place a picture indoors or outdoors
_OUTDOOR = frozenset(
    ["geological formation", "vehicle", "public transport", "craft", "bridge", "building",
     "bicycle", "shore", "body of water"]
)  # fmt: skip
_INDOOR = frozenset(
    ["furniture", "home appliance", "computer", "toilet", "tub", "bookcase", "wardrobe",
     "kitchen appliance", "four-poster"]
)  # fmt: skip
# Scene words a label implies
CONCEPTS = {
    "lakeside": ("water", "lake", "shore"),
    "seashore": ("water", "sea", "beach", "shore"),
    "sandbar": ("water", "sand", "beach"),
    "coral reef": ("water", "sea", "coral", "reef"),
    "alp": ("mountain", "snow"),
    "volcano": ("mountain",),
    "valley": ("valley", "hill"),
    "cliff": ("cliff", "rock"),
    "promontory": ("coast", "sea", "water"),
    "geyser": ("water",),
    "boathouse": ("water",),
    "dock": ("water",),
    "pier": ("water",),
    "breakwater": ("water", "sea"),
    "mortarboard": ("cap",),
    "space shuttle": ("space",),
    "missile": ("rocket",),
    "projectile": ("rocket",),
    "espresso": ("coffee", "cup"),
    "coffee mug": ("coffee", "mug"),
    "cup": ("cup",),
    "ballplayer": ("person", "player"),
    "scuba diver": ("person", "diver", "water"),
}
# Words never checked: they describe the picture, not things in it
GENERIC = set(
    [
        "photo",
        "photograph",
        "picture",
        "image",
        "scene",
        "view",
        "shot",
        "close-up",
        "closeup",
        "background",
        "foreground",
        "front",
        "top",
        "side",
        "middle",
        "centre",
        "center",
        "left",
        "right",
        "corner",
        "thing",
        "object",
        "something",
        "colour",
        "color",
        "shade",
        "light",
        "dark",
        "day",
        "text",
        "word",
        "sign",
        "letter",
        "number",
        "line",
        "page",
    ]
)


@cache
def imagenet_labels() -> tuple[str, ...]:
    text = (files("llmos.capabilities.vision") / "data" / "imagenet_labels.txt").read_text()
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def setting_of(kinds: Iterable[str]) -> str | None:
    """ "indoor" or "outdoor" when a kind of thing seen (a node name or a detector class)
    places the picture, else None."""
    tree = imagenet_hierarchy()
    names = set()
    for kind in kinds:
        node = tree.coco.get(kind)
        for sense in [node] if node is not None else tree.senses(kind):
            names.update(tree.names[i] for i in (sense, *tree.ancestors[sense]))
    if names & _INDOOR:
        return "indoor"
    if names & _OUTDOOR:
        return "outdoor"
    return None


def broader(coco: str) -> tuple[str, ...]:
    """The kinds a detector class is of that a person would say ("dog" -> "canine", ...,
    "animal")."""
    tree = imagenet_hierarchy()
    node = tree.coco.get(coco)
    return tree.kinds_of(node) if node is not None else ()


def coco_class(word: str) -> str | None:
    """The detector class a word names ("people" -> "person"), or None."""
    word = word.lower().strip()
    if word in COCO_CLASSES:
        return word
    singular = lemma(word)
    if singular in COCO_CLASSES:
        return singular
    return SYNONYMS.get(word) or SYNONYMS.get(singular)


_IRREGULAR = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
    "knives": "knife",
    "leaves": "leaf",
    "shelves": "shelf",
    "wolves": "wolf",
    "glasses": "glass",
    "buses": "bus",
    "boxes": "box",
    "dishes": "dish",
    "benches": "bench",
    "sandwiches": "sandwich",
    "peaches": "peach",
    "tomatoes": "tomato",
    "potatoes": "potato",
}


def lemma(word: str) -> str:
    """A rough singular: "cats" -> "cat", "ponies" -> "pony", "people" -> "person"."""
    word = word.lower().strip("'\u2019")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


WORN = ("clothing", "headdress", "footwear", "neckwear", "jewelry", "mask")
_MASS_NOUNS = frozenset(["clothing", "apparel", "attire", "footwear", "headgear", "neckwear",
                         "jewelry", "armor", "body armor", "food", "produce", "fruit"])  # fmt: skip


def is_worn(name: str) -> bool:
    """Whether the thing a node names is worn ("mortarboard", "clothing")."""
    tree = imagenet_hierarchy()
    return any(tree.is_a(name, kind) for kind in WORN)


def some(noun: str) -> str:
    """ "clothing", "a cap": a mass noun goes without an article."""
    return noun if noun in _MASS_NOUNS else with_article(noun)


def with_article(noun: str) -> str:
    """ "a cat", "an espresso"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def words_of(text: str) -> list[str]:
    return [lemma(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)]


@cache
def content_nouns() -> frozenset[str]:
    """Every thing-word llmos's experts could ever report: writing one of these is a claim."""
    vocabulary: set[str] = set()
    lemmas = (lemma for node in imagenet_hierarchy().lemmas for lemma in node)
    for phrase in (*imagenet_labels(), *lemmas, *COCO_CLASSES, *SYNONYMS):
        vocabulary.update(words_of(phrase))
    for implied in CONCEPTS.values():
        vocabulary.update(implied)
    return frozenset(w for w in vocabulary if len(w) > 2) - GENERIC - _NOT_NOUNS


# label words that are not things on their own ("tiger" in "tiger cat" is, "great" is not)
_NOT_NOUNS = set(
    [
        "great",
        "common",
        "american",
        "african",
        "indian",
        "european",
        "english",
        "irish",
        "scottish",
        "welsh",
        "german",
        "french",
        "italian",
        "japanese",
        "tibetan",
        "siberian",
        "mexican",
        "egyptian",
        "persian",
        "siamese",
        "arctic",
        "red",
        "black",
        "white",
        "grey",
        "gray",
        "brown",
        "green",
        "blue",
        "yellow",
        "golden",
        "orange",
        "little",
        "big",
        "giant",
        "miniature",
        "standard",
        "toy",
        "wild",
        "sea",
        "water",
        "rock",
        "king",
        "spotted",
        "banded",
        "horned",
        "short-haired",
        "long-horned",
        "wire-haired",
        "soft-coated",
        "flat-coated",
        "curly-coated",
        "three-toed",
        "black-footed",
        "sulphur-crested",
        "red-breasted",
        "red-backed",
        "crane",
        "bird",
        "and",
        "the",
        "for",
        "with",
        "electric",
        "digital",
        "analog",
        "space",
        "web",
        "site",
        "ear",
        "hip",
        "corn",
    ]
)
