"""Tools behind an HTTP endpoint on this machine: the app's manifest gives the URL, the
description and the argument schema; a call POSTs the checked arguments as JSON and the
response body (text or JSON) is the result. Only loopback addresses are allowed: llmos is
offline, and an app must not make it reach another host.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from llmos.assistant.tools import Tool
from llmos.errors import CapabilityUnavailable

Json = dict[str, Any]
MAX_RESULT = 20_000  # characters of a response kept for the model
LOCAL_NAMES = frozenset({"localhost"})


def loopback_problem(url: str) -> str | None:
    """Why ``url`` may not be called; None when it is http(s) on this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// URL"
    host = parts.hostname
    if host in LOCAL_NAMES:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return f"{url!r} is not on this machine: tools may call 127.0.0.1, ::1 or localhost only"


def http_tool(
    name: str, description: str, url: str, parameters: Json, *, timeout: float,
    dangerous: bool = False,
) -> Tool:  # fmt: skip
    """A tool that POSTs its arguments to ``url`` (which must pass :func:`loopback_problem`)."""
    if (problem := loopback_problem(url)) is not None:
        raise ValueError(problem)

    async def run(arguments: Json) -> str:
        import httpx

        try:
            async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
                response = await client.post(url, json=arguments)
        except httpx.HTTPError as error:
            raise CapabilityUnavailable(f"{url} did not answer: {error}") from None
        body = response.text[:MAX_RESULT]
        if response.is_error:
            raise CapabilityUnavailable(f"{url} answered {response.status_code}: {body}")
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                value = response.json()
            except ValueError:
                return body
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return text[:MAX_RESULT]
        return body or "(done)"

    return Tool(name, description, parameters, run, dangerous=dangerous, timeout=timeout)
