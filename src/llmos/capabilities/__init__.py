"""Capabilities: what llmos can do. Each is a folder with typed results and one service module."""

from llmos.capabilities.base import Capability, LoadedModel, ModelSpec, Usage

__all__ = ["Capability", "LoadedModel", "ModelSpec", "Usage"]
