"""Pictures from prompts, drawn by code: charts, clocks, flags, and scenes composed from icons."""

from llmos.capabilities.imagegen.types import MAX_PICTURES, SIZES, Picture

__all__ = ["MAX_PICTURES", "SIZES", "Picture"]
