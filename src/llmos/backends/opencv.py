"""OpenCV, imported in one place, because its thread count is one setting for the process.

``cv2.setNumThreads`` is process-wide: when the face model set 1 and the detector 2, whichever
loaded last decided for both. So every OpenCV model declares the same thread count to the
scheduler (``THREADS``), and the first to load sets it for all.
"""

from __future__ import annotations

from types import ModuleType

from llmos.errors import MissingExtra, install_extra

THREADS = 2  # what the detector, the face model and colour k-means each claim from the scheduler


_chosen: list[int] = []  # the thread count OpenCV was given, once


def opencv(*, threads: int | None = None) -> ModuleType:
    """The ``cv2`` module (a 501 naming the extra when missing). OpenCV's thread count is set
    by the first call: ``threads`` (a model's share from the scheduler), else THREADS."""
    try:
        import cv2
    except ImportError as error:
        raise MissingExtra("opencv-python-headless", install=install_extra("vision")) from error
    if not _chosen:  # the first user decides, model or not (colour k-means may come first)
        _chosen.append(threads or THREADS)
        cv2.setNumThreads(_chosen[0])
    return cv2
