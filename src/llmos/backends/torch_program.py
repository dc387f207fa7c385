"""A program written by ``torch.export`` (a model you trained with ``llmos train``), run on
numpy arrays: the caller needs no torch of its own, and the program no Python class."""

from __future__ import annotations

import io

import numpy as np

from llmos.errors import MissingExtra, install_extra


class TorchProgram:
    def __init__(self, content: bytes, *, threads: int) -> None:
        try:
            import torch
        except ImportError as error:
            raise MissingExtra("torch", install=install_extra("learn")) from error
        torch.set_num_threads(threads)
        self._torch = torch
        self._module = torch.export.load(io.BytesIO(content)).module()

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.no_grad():
            return self._module(*(torch.from_numpy(x) for x in inputs)).numpy()

    def close(self) -> None:
        pass
