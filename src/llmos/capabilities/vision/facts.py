"""From raw expert outputs to gated visual facts.

The 1.5B LLM uses every label it is shown, whatever its score, so facts are gated here, in code:
only confident labels, confident boxes (nested duplicates removed), faces only where the
detector saw a person, legible text lines. People's boxes, every box in a black-and-white
photo, a picture that people fill and a subject that is a person get no colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from llmos.backends.rapidocr import OcrLine
from llmos.backends.yolo import Detection
from llmos.capabilities.vision import vocabulary
from llmos.capabilities.vision.colours import brightness, dominant_colours, is_grayscale
from llmos.capabilities.vision.hierarchy import imagenet_hierarchy
from llmos.capabilities.vision.images import DecodedImage
from llmos.capabilities.vision.types import (
    Box,
    DetectedObject,
    Label,
    Photo,
    Subject,
    TextLine,
    VisualFacts,
)

# The picture's label is the most specific WordNet node over the classes at least this likely
# ("a bird" for an unsure peahen, "a tabby" for a sure one); with the classifier run on the
# whole picture and on its subject and the two averaged. Chosen on the tuning half of the Tux
# Paint stamps (bench/vision_stamps.py): the most named against naming something else
LABEL_SCORE = 0.7
MAX_LABELS = 2
KIND_SCORE = 0.5  # nodes this likely are kinds the picture is of ("is there an animal?")
# A detection on the subject's region is dropped when a surer label of a living thing, a fruit
# or a vegetable contradicts it (a "cake" box over what the classifier is sure is a frog): on
# the tuning stamps the detector was right in none of 48 such disagreements; on the bundled
# horse photo a 0.78 horse box was right against a 0.75 "dog" label, so a box surer than the
# label stays. (A drink in a cup, a gown on a person are no contradiction: other labels drop
# nothing.)
SAME_REGION = 0.5
CONTRADICTING = ("organism", "produce")
OBJECT_SCORE = 0.40
NESTED = 0.8  # same-class boxes overlapping this share of the smaller one are one object
TEXT_SCORE = 0.80
PEOPLE_SHARE = 0.25  # people's boxes covering this share of the picture: no picture colours


def photo_of(image: DecodedImage) -> Photo:
    rgb = image.rgb
    return Photo(
        width=rgb.shape[1],
        height=rgb.shape[0],
        grayscale=is_grayscale(rgb),
        brightness=brightness(rgb),
        colours=dominant_colours(rgb),
        taken_at=image.taken_at,
        gps=image.gps,
    )


def gate_labels(probs: np.ndarray) -> tuple[tuple[Label, ...], dict[str, float]]:
    """The picture's labels (hedged WordNet nodes) and the kinds it is fairly surely of."""
    tree = imagenet_hierarchy()
    labels = []
    for node in tree.hedged(probs, confidence=LABEL_SCORE, most=MAX_LABELS):
        if tree.is_a(node.name, "person"):  # "groom", "ballplayer": a person, no more said
            labels.append(Label("person", round(node.probability, 3)))
        else:
            labels.append(Label(node.name, round(node.probability, 3), tree.kinds_of(node.index)))
    kinds = tree.confident(probs, confidence=KIND_SCORE)
    kinds = {k: p for k, p in kinds.items() if k == "person" or not tree.is_a(k, "person")}
    return tuple(labels), kinds


def agreeing_objects(
    objects: tuple[DetectedObject, ...], labels: tuple[Label, ...], subject: Subject | None
) -> tuple[DetectedObject, ...]:
    """``objects`` without those on the subject's region that a surer label contradicts."""
    tree = imagenet_hierarchy()
    if not labels or subject is None:
        return objects
    label = labels[0]
    if not any(tree.is_a(label.name, kind) for kind in CONTRADICTING):
        return objects
    return tuple(
        found
        for found in objects
        if found.label == "person"
        or found.score > label.score
        or not _same_region(found.box, subject.box)
        or tree.related(label.name, found.label)
    )


def gate_objects(
    rgb: np.ndarray,
    detections: Sequence[Detection],
    *,
    min_score: float = OBJECT_SCORE,
    grayscale: bool | None = None,
) -> tuple[DetectedObject, ...]:
    """Confident boxes, nested duplicates merged, with named colours (``grayscale``: whether the
    photo is black-and-white, measured here when not given)."""
    kept: list[Detection] = []
    for found in sorted(detections, key=lambda d: -d.score):
        if found.score < min_score:
            continue
        box = Box(*found.box)
        if any(other.label == found.label and _nested(box, Box(*other.box)) for other in kept):
            continue
        kept.append(found)
    objects = []
    # a thing's colour cannot be told in a black-and-white photo
    grey = is_grayscale(rgb) if grayscale is None else grayscale
    for found in kept:
        x, y, w, h = found.box
        named = not grey and found.label != "person"
        colours = dominant_colours(rgb[y : y + h, x : x + w]) if named else ()
        objects.append(DetectedObject(found.label, found.score, Box(*found.box), colours[:2]))
    return tuple(objects)


def gate_text(
    lines: Sequence[OcrLine], height: int, *, min_score: float = TEXT_SCORE
) -> tuple[TextLine, ...]:
    """Legible lines in reading order: top to bottom by line, then left to right."""
    kept = []
    for line in lines:
        box = _box_of(line.polygon)
        legible = sum(ch.isalnum() for ch in line.text) >= 2 and box.height >= max(8, height / 100)
        if line.score >= min_score and legible:
            kept.append(TextLine(line.text.strip(), round(line.score, 3), box))
    return reading_order(kept)


def reading_order(lines: Sequence[TextLine]) -> tuple[TextLine, ...]:
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda t: t.box.y + t.box.height / 2):
        centre = _centre(line)
        first = rows[-1][0] if rows else None
        if first is not None and abs(centre - _centre(first)) < first.box.height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return tuple(line for row in rows for line in sorted(row, key=lambda t: t.box.x))


def assemble(
    photo: Photo,
    labels: tuple[tuple[Label, ...], dict[str, float]],
    objects: tuple[DetectedObject, ...],
    faces: Sequence[tuple[int, int, int, int]],
    text: tuple[TextLine, ...],
    subject: Subject | None,
    timings_ms: dict[str, float],
) -> VisualFacts:
    labels, kinds = labels
    objects = agreeing_objects(objects, labels, subject)
    has_person = any(o.label == "person" for o in objects)
    if _covered(photo, [o.box for o in objects if o.label == "person"]) >= PEOPLE_SHARE:
        # where people fill the picture, its main colours are theirs (skin, hair, clothes)
        photo = replace(photo, colours=())
    concepts = sorted({c for kind in kinds for c in vocabulary.CONCEPTS.get(kind, ())})
    if subject is not None and photo.grayscale:
        subject = replace(subject, colours=(), background_colours=())
    people = [o.box for o in objects if o.label == "person"]
    a_person = kinds.get("person", 0.0) >= KIND_SCORE or any(x.name == "person" for x in labels)
    if subject is not None and (a_person or any(_same_region(b, subject.box) for b in people)):
        subject = replace(subject, colours=())  # the subject is a person: no colours
    return VisualFacts(
        photo=photo,
        labels=labels,
        objects=objects,
        faces=tuple(Box(*face) for face in faces) if has_person else (),
        text=text,
        subject=subject,
        kinds=kinds,
        setting=vocabulary.setting_of([*kinds, *(o.label for o in objects)]),
        concepts=tuple(concepts),
        timings_ms=timings_ms,
    )


def _centre(line: TextLine) -> float:
    return line.box.y + line.box.height / 2


def _covered(photo: Photo, boxes: Sequence[Box]) -> float:
    """The share of the picture the boxes cover (overlaps counted once), on an 8-px grid."""
    if not boxes:
        return 0.0
    grid = np.zeros((photo.height // 8 + 1, photo.width // 8 + 1), bool)
    for box in boxes:
        grid[
            box.y // 8 : (box.y + box.height) // 8 + 1, box.x // 8 : (box.x + box.width) // 8 + 1
        ] = True
    return float(grid.mean())


def _same_region(a: Box, b: Box) -> bool:
    """Each box covers at least SAME_REGION of the other."""
    both = a.overlap(b)
    return both >= SAME_REGION * a.area and both >= SAME_REGION * b.area


def _nested(a: Box, b: Box) -> bool:
    return a.overlap(b) >= NESTED * min(a.area, b.area)


def _box_of(polygon: Sequence[tuple[float, float]]) -> Box:
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    return Box(int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
