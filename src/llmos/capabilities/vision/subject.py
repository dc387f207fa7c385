"""The picture's main subject, found without a class for it: where it is, its colours apart
from the background's, and whether the background is out of focus.

Saliency is the contrast of each (smoothed) pixel's CIELAB colour with the picture's border,
the usual background prior, plus the spectral residual of Hou and Zhang (CVPR 2007) for small
subjects; Otsu's threshold on it gives a first region, which GrabCut (OpenCV) refines from the
region's box, or from a detector's box when one is given. Focus is the variance of the
Laplacian inside the subject against outside it.
"""

from __future__ import annotations

import numpy as np

from llmos.backends.opencv import opencv
from llmos.capabilities.vision.colours import cielab, pixel_colours
from llmos.capabilities.vision.types import Box, Subject

WORK_SIDE = 256  # pixels of the longer side the subject is found at
MIN_SHARE, MAX_SHARE = 0.02, 0.9  # a subject smaller or larger than this is not one
# The background is "blurred" when its variance of the Laplacian (at WORK_SIDE) is under this
# share of the subject's and under an absolute level; chosen on the tuning half of the Tux Paint
# stamps on blurred and on noisy grounds (bench/vision_stamps.py): 126 of 132 right there
BLURRED_RATIO = 0.3
BLURRED_LEVEL = 100.0


def find_subject(rgb: np.ndarray, *, seed: Box | None = None) -> Subject | None:
    """The main subject of ``rgb`` (H, W, 3 uint8), or None when nothing stands out."""
    cv2 = opencv()
    height, width = rgb.shape[:2]
    scale = WORK_SIDE / max(height, width)
    small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    if min(small.shape[:2]) < 16:
        return None
    region = _salient_region(small) if seed is None else _scaled(seed, scale, small.shape)
    if region is None:
        return None
    mask = _grabcut(small, region)
    share = float(mask.mean())
    if not MIN_SHARE <= share <= MAX_SHARE:
        return None
    ys, xs = np.nonzero(mask)
    box = Box(
        int(xs.min() / scale),
        int(ys.min() / scale),
        max(1, int((xs.max() - xs.min() + 1) / scale)),
        max(1, int((ys.max() - ys.min() + 1) / scale)),
    )
    laplacian = cv2.Laplacian(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), cv2.CV_64F)
    sharpness = float(laplacian[_inner(mask)].var())
    background_sharpness = float(laplacian[_inner(~mask)].var())
    blurred = background_sharpness < min(BLURRED_RATIO * sharpness, BLURRED_LEVEL)
    return Subject(
        box=box,
        share=round(share, 3),
        colours=pixel_colours(small[mask]),
        background_colours=pixel_colours(small[~mask]),
        sharpness=round(sharpness, 1),
        background_sharpness=round(background_sharpness, 1),
        background="blurred" if blurred else "sharp",
        position=_position(xs.mean() / small.shape[1], ys.mean() / small.shape[0]),
    )


def crop(rgb: np.ndarray, box: Box, *, margin: float = 0.1) -> np.ndarray:
    """``box`` of ``rgb`` with ``margin`` of its longer side around it (within the picture)."""
    pad = int(margin * max(box.width, box.height))
    height, width = rgb.shape[:2]
    top, left = max(0, box.y - pad), max(0, box.x - pad)
    bottom, right = min(height, box.y + box.height + pad), min(width, box.x + box.width + pad)
    return np.ascontiguousarray(rgb[top:bottom, left:right])


def saliency(small: np.ndarray) -> np.ndarray:
    """Per-pixel saliency in [0, 1] of a small RGB image (H, W)."""
    cv2 = opencv()
    smooth = cv2.GaussianBlur(small, (0, 0), 2)
    lab = cielab(smooth).reshape(*small.shape[:2], 3)
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    contrast = np.linalg.norm(lab - np.median(border, axis=0), axis=2)
    gray = cv2.resize(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (64, 64)).astype(np.float32)
    spectrum = np.fft.fft2(gray)
    log_amplitude = np.log1p(np.abs(spectrum))
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    spectral = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    spectral = cv2.resize(cv2.GaussianBlur(spectral, (0, 0), 2.5), small.shape[1::-1])
    combined = _unit(contrast) + 0.5 * _unit(spectral)
    return _unit(combined)


def _salient_region(small: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (x, y, w, h) of the largest salient component, or None."""
    cv2 = opencv()
    level = (saliency(small) * 255).astype(np.uint8)
    _, binary = cv2.threshold(level, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(binary)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, _area = stats[largest]
    return int(x), int(y), int(w), int(h)


def _grabcut(small: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
    """The subject's mask (bool, H x W) inside ``region``, refined by GrabCut."""
    cv2 = opencv()
    x, y, w, h = region
    rows, columns = small.shape[:2]
    w, h = max(2, min(w, columns - x - 1)), max(2, min(h, rows - y - 1))
    mask = np.zeros((rows, columns), np.uint8)
    models = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(small, mask, (x, y, w, h), *models, 3, cv2.GC_INIT_WITH_RECT)
    except cv2.error:  # a degenerate region: keep the box itself
        mask[y : y + h, x : x + w] = cv2.GC_FGD
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def _scaled(box: Box, scale: float, shape) -> tuple[int, int, int, int]:
    x, y = int(box.x * scale), int(box.y * scale)
    w = max(2, min(int(box.width * scale), shape[1] - x - 1))
    h = max(2, min(int(box.height * scale), shape[0] - y - 1))
    return x, y, w, h


def _inner(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its edge, so the subject's outline counts for neither side."""
    cv2 = opencv()
    eroded = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    return eroded.astype(bool) if eroded.any() else mask


def _position(x: float, y: float) -> str:
    across = "left" if x < 1 / 3 else "right" if x > 2 / 3 else "centre"
    down = "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else ""
    return f"{down} {across}".strip() if down else across


def _unit(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)
