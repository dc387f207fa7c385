"""Explicit word tables: what ImageNet labels mean in coarse words, and which nouns exist.

Embedding similarity is not an existence test ("dog" vs "tiger cat" scores 0.51), so the links
between the classifier's 1000 labels, the detector's 80 classes and the words people ask with
are written down here.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

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
    "plant": "potted plant",
}

# ImageNet index ranges and their coarse category (the labels are ordered by kind up to 397)
_RANGES = (
    (0, 6, "fish"),
    (7, 24, "bird"),
    (25, 32, "amphibian"),
    (33, 50, "reptile"),
    (51, 51, "dinosaur"),
    (52, 68, "snake"),
    (69, 69, "fossil"),
    (70, 78, "spider"),
    (79, 79, "insect"),
    (80, 100, "bird"),
    (101, 101, "elephant"),
    (102, 106, "animal"),
    (107, 126, "sea creature"),
    (127, 146, "bird"),
    (147, 149, "whale"),
    (150, 150, "seal"),
    (151, 268, "dog"),
    (269, 275, "wolf"),
    (276, 276, "hyena"),
    (277, 280, "fox"),
    (281, 285, "cat"),
    (286, 293, "big cat"),
    (294, 297, "bear"),
    (298, 299, "animal"),
    (300, 320, "insect"),
    (321, 326, "butterfly"),
    (327, 329, "sea creature"),
    (330, 332, "rabbit"),
    (333, 338, "rodent"),
    (339, 339, "horse"),
    (340, 340, "zebra"),
    (341, 343, "pig"),
    (344, 344, "hippopotamus"),
    (345, 347, "cattle"),
    (348, 350, "sheep"),
    (351, 353, "antelope"),
    (354, 354, "camel"),
    (355, 355, "llama"),
    (356, 363, "animal"),
    (364, 364, "sloth"),
    (365, 382, "monkey"),
    (383, 384, "lemur"),
    (385, 386, "elephant"),
    (387, 388, "panda"),
    (389, 397, "fish"),
    (924, 965, "food"),
    (966, 969, "drink"),
    (970, 980, "landscape"),
    (981, 983, "person"),
    (984, 990, "plant"),
    (991, 997, "mushroom"),
)

# Object labels (398-923) grouped by what they are; others are their own category
_OBJECTS = {
    "car": "beach wagon, cab, convertible, jeep, limousine, minivan, Model T, racer, sports car, "
    "police van, ambulance, go-kart, golfcart",
    "truck": "fire engine, garbage truck, moving van, pickup, tow truck, trailer truck, "
    "half track, tank, forklift, snowplow",
    "bus": "minibus, school bus, trolleybus, recreational vehicle",
    "train": "bullet train, electric locomotive, freight car, passenger car, steam locomotive, "
    "streetcar",
    "motorcycle": "moped, motor scooter",
    "bicycle": "bicycle-built-for-two, mountain bike, tricycle, unicycle",
    "boat": "aircraft carrier, canoe, catamaran, container ship, fireboat, gondola, lifeboat, "
    "liner, schooner, speedboat, submarine, trimaran, wreck, yawl, paddlewheel",
    "airplane": "airliner, warplane, airship",
    "rocket": "missile, projectile, space shuttle",
    "cup": "coffee mug, cup, espresso, beer glass, goblet, measuring cup",
    "bottle": "beer bottle, pop bottle, water bottle, wine bottle, pill bottle, whiskey jug",
    "building": "barn, boathouse, castle, church, cinema, greenhouse, library, monastery, "
    "mosque, palace, planetarium, prison, restaurant, stupa, bakery, barbershop, bookshop, "
    "butcher shop, confectionery, grocery store, shoe shop, tobacco shop, toyshop, "
    "water tower, yurt, mobile home, cliff dwelling",
    "chair": "barber chair, folding chair, rocking chair, throne",
    "couch": "studio couch",
    "table": "dining table, desk, pool table",
    "computer": "desktop computer, laptop, notebook, hand-held computer, monitor, screen",
    "phone": "cellular telephone, dial telephone, pay-phone",
    "clock": "analog clock, digital clock, wall clock, stopwatch, digital watch, sundial",
    "hat": "cowboy hat, sombrero, bonnet, mortarboard, crash helmet, football helmet, "
    "bathing cap, shower cap, pickelhaube",
    "musical instrument": "accordion, acoustic guitar, banjo, bassoon, cello, cornet, drum, "
    "electric guitar, flute, French horn, gong, grand piano, harmonica, harp, marimba, oboe, "
    "ocarina, organ, panpipe, sax, steel drum, trombone, upright, violin, maraca, chime",
    "ball": "baseball, basketball, croquet ball, golf ball, ping-pong ball, rugby ball, "
    "soccer ball, tennis ball, volleyball",
    "bridge": "steel arch bridge, suspension bridge, viaduct",
}
_OUTDOOR = {
    "landscape",
    "car",
    "truck",
    "bus",
    "train",
    "boat",
    "airplane",
    "rocket",
    "bridge",
    "building",
    "motorcycle",
    "bicycle",
}
_INDOOR = {
    "couch",
    "table",
    "computer",
    "chair",
    "toilet seat",
    "bathtub",
    "refrigerator",
    "microwave",
    "dishwasher",
    "bookcase",
    "wardrobe",
    "desk",
    "four-poster",
}
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
# A category's broader kinds ("is there an animal?")
_ANIMALS = {
    "fish",
    "bird",
    "amphibian",
    "reptile",
    "dinosaur",
    "snake",
    "spider",
    "insect",
    "elephant",
    "animal",
    "sea creature",
    "whale",
    "seal",
    "dog",
    "wolf",
    "hyena",
    "fox",
    "cat",
    "big cat",
    "bear",
    "butterfly",
    "rabbit",
    "rodent",
    "horse",
    "zebra",
    "pig",
    "hippopotamus",
    "cattle",
    "sheep",
    "antelope",
    "camel",
    "llama",
    "sloth",
    "monkey",
    "lemur",
    "panda",
}
_BROADER = {
    "vehicle": {"car", "truck", "bus", "train", "motorcycle", "bicycle", "boat", "airplane"},
    "animal": _ANIMALS,
    "food": {"food", "drink"},
}
# COCO classes a category stands for (the detector's word for the same thing)
TO_COCO = {
    "cattle": "cow",
    "big cat": "cat",
    "sheep": "sheep",
    "table": "dining table",
    "phone": "cell phone",
    "computer": "laptop",
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


@cache
def _categories() -> tuple[str, ...]:
    labels = imagenet_labels()
    by_label = {label: kind for kind, names in _OBJECTS.items() for label in _split(names)}
    out = []
    for index, label in enumerate(labels):
        ranged = next((kind for lo, hi, kind in _RANGES if lo <= index <= hi), None)
        out.append(ranged or by_label.get(label, label.lower()))
    return tuple(out)


def category_of(index: int) -> str:
    return _categories()[index]


def broader(category: str) -> set[str]:
    """The category itself and the broader kinds it belongs to."""
    return {category} | {kind for kind, members in _BROADER.items() if category in members}


def setting_of(categories: set[str]) -> str | None:
    if categories & _INDOOR:
        return "indoor"
    if categories & _OUTDOOR:
        return "outdoor"
    return None


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


def with_article(noun: str) -> str:
    """ "a cat", "an espresso"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def words_of(text: str) -> list[str]:
    return [lemma(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)]


@cache
def content_nouns() -> frozenset[str]:
    """Every thing-word llmos's experts could ever report: writing one of these is a claim."""
    vocabulary: set[str] = set()
    for phrase in (*imagenet_labels(), *_categories(), *COCO_CLASSES, *SYNONYMS):
        vocabulary.update(words_of(phrase))
    for implied in CONCEPTS.values():
        vocabulary.update(implied)
    for kind in _BROADER:
        vocabulary.add(kind)
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


def _split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]


COCO_VEHICLES = frozenset(
    ["bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"]
)
COCO_ANIMALS = frozenset(
    ["bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"]
)
