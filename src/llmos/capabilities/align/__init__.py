"""Joint picture-text spaces trained by ``llmos train`` (LiT heads over the frozen towers)."""

from llmos.capabilities.align.service import NAME, LoadedSpace, capability
from llmos.capabilities.align.space import AlignedSpace, installed, load, path_of

__all__ = ["NAME", "AlignedSpace", "LoadedSpace", "capability", "installed", "load", "path_of"]
