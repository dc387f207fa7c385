"""``llmos.learn``: a small PyTorch toolkit for multimodal learning: attention variants,
fusion modules, objectives (and, as issue 15 goes on, encoders, training and the ablation).

torch is an optional extra (``pip install 'llmos[learn]'``, the CPU wheel pinned)."""

from __future__ import annotations

from llmos.errors import MissingExtra, install_extra

try:
    import torch  # noqa: F401
except ImportError as error:  # the core install: say how to get it
    raise MissingExtra("PyTorch", install=install_extra("learn")) from error
