"""Capabilities: what llmos can do. Each is a folder with typed results and one service module."""

from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec, Usage

__all__ = ["Capability", "LoadContext", "LoadedModel", "ModelSpec", "Usage"]
