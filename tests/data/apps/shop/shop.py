"""A tiny shop for the tests: an MCP server (stdio) with an order lookup, a ticket desk that
writes tickets.jsonl beside it, and a tool that always fails."""

import json
from pathlib import Path

import anyio
import jsonschema
from mcp import types
from mcp.server import Server
from mcp.server.stdio import stdio_server

ORDERS = {"A-1001": "shipped on 2 November, arriving Friday", "A-1002": "waiting for payment"}
TOOLS = {
    "order_status": (
        "The status of an order by its id, e.g. A-1001.",
        {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    ),
    "open_ticket": (
        "Open a support ticket with a one-line summary.",
        {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]},
    ),
    "broken": ("A tool that always fails.", {"type": "object", "properties": {}}),
}


def order_status(arguments):
    return ORDERS.get(arguments["order_id"].upper(), "no such order")


def open_ticket(arguments):
    with (Path(__file__).parent / "tickets.jsonl").open("a") as out:
        out.write(json.dumps({"summary": arguments["summary"]}) + "\n")
    return "ticket T-1 opened"


def broken(arguments):
    raise RuntimeError("the till is closed")


async def list_tools(_context, _params):
    return types.ListToolsResult(
        tools=[
            types.Tool(name=name, description=about, input_schema=schema)
            for name, (about, schema) in TOOLS.items()
        ]
    )


async def call_tool(_context, params):
    _about, schema = TOOLS[params.name]
    try:
        jsonschema.validate(params.arguments or {}, schema)
        text = globals()[params.name](params.arguments or {})
    except Exception as error:
        return types.CallToolResult(content=[types.TextContent(text=str(error))], is_error=True)
    return types.CallToolResult(content=[types.TextContent(text=text)])


async def main():
    server = Server("shop", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


anyio.run(main)
