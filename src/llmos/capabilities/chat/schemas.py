"""JSON schemas a client gives for structured output and tool arguments, checked before
llama.cpp turns them into a grammar.

llama.cpp's converter fails on schemas that are not valid (a ``"type": "strin"``), resolves
only references into the same document, and, worse, allocates without bound on some valid ones:
``{"minLength": 5, "maxLength": 2}`` exhausted all memory. So a schema must pass the JSON Schema
meta-schema, and then the limits below.
"""

from __future__ import annotations

from typing import Any

from llmos.errors import InvalidRequest, MissingExtra, install_extra

MAX_REPEAT = 1000  # minLength, maxItems, ...: llama.cpp spells each repetition out
MAX_NODES = 2000  # sub-schemas in one schema
LOCAL_REFS = ("#/$defs/", "#/definitions/")
_RANGES = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minContains", "maxContains"),
)


def check_schema(schema: Any) -> None:
    """Raise :class:`InvalidRequest`, saying what is wrong, unless llama.cpp can use ``schema``."""
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
    except ImportError as error:
        raise MissingExtra("jsonschema", install=install_extra("chat")) from error
    if not isinstance(schema, dict):
        raise InvalidRequest("A JSON schema must be an object.")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the top"
        raise InvalidRequest(f"not a valid JSON schema at {where}: {error.message}") from None
    except RecursionError:
        raise InvalidRequest("the JSON schema is nested too deeply.") from None
    for count, (path, node) in enumerate(_subschemas(schema), start=1):
        if count > MAX_NODES:
            raise InvalidRequest(f"the JSON schema has more than {MAX_NODES} parts.")
        _check_node(schema, path, node)


def _check_node(root: dict, path: str, node: dict) -> None:
    ref = node.get("$ref")
    if isinstance(ref, str) and not _resolves(root, ref):
        raise InvalidRequest(
            f"{path}: $ref {ref!r} must point into the schema's own '$defs' "
            "(e.g. '#/$defs/item'); other references are not supported."
        )
    for low, high in _RANGES:
        for key in (low, high):
            if isinstance(node.get(key), int) and node[key] > MAX_REPEAT:
                raise InvalidRequest(f"{path}: {key} is {node[key]}; at most {MAX_REPEAT}.")
        both = isinstance(node.get(low), int) and isinstance(node.get(high), int)
        if both and node[low] > node[high]:
            raise InvalidRequest(f"{path}: {low} is larger than {high}; nothing can match.")


def _resolves(root: dict, ref: str) -> bool:
    if not ref.startswith(LOCAL_REFS):
        return False
    target: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return False
        target = target[part]
    return isinstance(target, dict)


def _subschemas(schema: dict):
    """(path, sub-schema) for every object in the schema, iteratively (no recursion limit)."""
    stack: list[tuple[str, Any]] = [("#", schema)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            yield path, node
            stack.extend((f"{path}/{key}", value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}/{index}", value) for index, value in enumerate(node))
