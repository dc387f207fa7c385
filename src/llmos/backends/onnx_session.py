"""An onnxruntime CPU session on the threads the scheduler gives a model."""

from __future__ import annotations

from pathlib import Path

from llmos.errors import MissingExtra, install_extra


def cpu_session(model: Path, *, threads: int, extra: str, quiet: bool = False):
    """``model`` on onnxruntime's CPU provider with ``threads`` intra-op threads (its default
    is one per core, which would fight the other models for the cores). ``extra`` names the
    llmos extra that installs onnxruntime; ``quiet`` drops its warnings."""
    try:
        import onnxruntime
    except ImportError as error:
        raise MissingExtra("onnxruntime", install=install_extra(extra)) from error
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if quiet:
        options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
