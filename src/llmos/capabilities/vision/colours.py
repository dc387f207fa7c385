"""Named dominant colours of an image or a region: k-means in CIELAB, nearest named colour."""

from __future__ import annotations

import functools

import numpy as np

from llmos.backends.opencv import opencv

# 21 everyday colour names and a typical sRGB value for each
NAMED = {
    "black": (20, 20, 20),
    "white": (245, 245, 245),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "red": (200, 30, 30),
    "dark red": (120, 20, 25),
    "orange": (240, 130, 30),
    "brown": (120, 75, 40),
    "beige": (220, 200, 160),
    "yellow": (240, 220, 40),
    "olive": (128, 128, 40),
    "green": (50, 160, 60),
    "dark green": (25, 80, 35),
    "teal": (0, 128, 128),
    "cyan": (60, 210, 220),
    "light blue": (150, 200, 240),
    "blue": (40, 80, 200),
    "navy": (20, 30, 90),
    "purple": (120, 50, 150),
    "pink": (240, 150, 190),
    "magenta": (210, 40, 160),
}
MIN_SHARE = 0.15  # a colour must cover this share of the region to be named
SAMPLE = 64


def cielab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB in true units (L 0-100): OpenCV's 8-bit LAB stretches L to 0-255 and would let
    lightness outweigh hue ("grey" for a tabby's tan fur)."""
    cv2 = opencv()
    scaled = rgb.astype(np.float32).reshape(-1, 1, 3) / 255.0
    return cv2.cvtColor(scaled, cv2.COLOR_RGB2LAB).reshape(-1, 3)


_NAMES = list(NAMED)


@functools.cache
def _named_lab() -> np.ndarray:
    """The named colours in CIELAB, computed on first use (OpenCV is in the vision extra: the
    module must import without it)."""
    return cielab(np.array(list(NAMED.values()), np.uint8)).astype(np.float32)


def dominant_colours(rgb: np.ndarray, *, most: int = 3) -> tuple[str, ...]:
    """Up to ``most`` colour names, each covering at least 15 % of ``rgb``, most covering first."""
    if rgb.size == 0:
        return ()
    cv2 = opencv()
    small = cv2.resize(rgb, (SAMPLE, SAMPLE), interpolation=cv2.INTER_AREA)
    return pixel_colours(small.reshape(-1, 3), most=most)


def pixel_colours(pixels: np.ndarray, *, most: int = 3) -> tuple[str, ...]:
    """The same for a list of RGB pixels (N, 3), e.g. those under a mask; at most 4096 used."""
    if len(pixels) < 5:
        return ()
    cv2 = opencv()
    pixels = pixels[:: max(1, len(pixels) // (SAMPLE * SAMPLE))]
    lab = cielab(pixels).astype(np.float32)
    cv2.setRNGSeed(0)  # the same image always gets the same colours
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, assignment, centres = cv2.kmeans(lab, 5, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    shares: dict[str, float] = {}
    counts = np.bincount(assignment.flatten(), minlength=len(centres)) / len(lab)
    for centre, share in zip(centres, counts, strict=True):
        name = _NAMES[int(np.linalg.norm(_named_lab() - centre, axis=1).argmin())]
        shares[name] = shares.get(name, 0.0) + float(share)
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return tuple(name for name, share in ranked[:most] if share >= MIN_SHARE)


def is_grayscale(rgb: np.ndarray) -> bool:
    """No colour worth naming: under 0.5 % of pixels stray from grey by more than 20 levels
    (a mean would call a star field, black with small bright galaxies, grey)."""
    channels = rgb[::2, ::2].astype(np.int16)
    stray = np.abs(channels - channels.mean(axis=2, keepdims=True)).max(axis=2)
    return bool((stray > 20).mean() < 0.005)


def brightness(rgb: np.ndarray) -> float:
    luma = rgb[::4, ::4] @ np.array([0.299, 0.587, 0.114])
    return round(float(luma.mean()) / 255, 3)
