"""llmos: a local, fully offline multimodal LLM operating system."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmos")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
