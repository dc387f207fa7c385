"""The HTTP API: OpenAI-compatible routes plus llmos's own /api routes."""

from llmos.api.app import create_app

__all__ = ["create_app"]
