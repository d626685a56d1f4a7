"""An MCP server written with the official Python SDK, used by Switchboard's interop tests.

Run over stdio (default) or Streamable HTTP:

    python fixture_server.py                       # stdio
    python fixture_server.py --http 8123 [--json-response] [--stateless]
    python fixture_server.py --sse 8123             # legacy HTTP+SSE (2024-11-05)

It exercises what the tests check: many tools (paginated), structured output, progress,
a tool that never returns (for cancellation), elicitation and sampling (asked in whichever
way the negotiated protocol era uses), and resource update notifications.
"""

import argparse
import sys
from typing import Annotated

import anyio
from mcp_types import (
    CreateMessageResult,
    EmptyResult,
    ListToolsResult,
    SamplingMessage,
    SubscribeRequestParams,
    TextContent,
    UnsubscribeRequestParams,
)
from pydantic import BaseModel

from mcp.server.mcpserver import Context, Elicit, MCPServer, Resolve
from mcp.server.mcpserver.resolve import Sample

PAGE_SIZE = 4


class PagedServer(MCPServer):
    """Answers tools/list a few tools at a time, so clients must follow cursors."""

    async def _handle_list_tools(self, ctx, params):
        tools = await self.list_tools()
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + PAGE_SIZE
        return ListToolsResult(tools=tools[start:end], next_cursor=str(end) if end < len(tools) else None)


mcp = PagedServer("python-fixture", version="2.3.0-fixture")
state = {"counter": 0}
# Legacy clients subscribe with resources/subscribe (MCPServer serves only the modern
# subscriptions/listen); their sessions are remembered here and told of updates directly.
legacy_subscribers: dict[str, list] = {}


async def subscribe(ctx, params: SubscribeRequestParams):
    legacy_subscribers.setdefault(str(params.uri), []).append(ctx.session)
    return EmptyResult()


async def unsubscribe(ctx, params: UnsubscribeRequestParams):
    sessions = legacy_subscribers.get(str(params.uri), [])
    if ctx.session in sessions:
        sessions.remove(ctx.session)
    return EmptyResult()


mcp._lowlevel_server.add_request_handler("resources/subscribe", SubscribeRequestParams, subscribe)
mcp._lowlevel_server.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, unsubscribe)


@mcp.tool()
def echo(text: str) -> str:
    """Returns its input."""
    return text


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two integers (structured output: {"result": a + b})."""
    return a + b


class Weather(BaseModel):
    city: str
    temperature: float
    conditions: str


@mcp.tool()
def weather(city: str) -> Weather:
    """Structured output with an output schema."""
    return Weather(city=city, temperature=21.5, conditions="sunny")


@mcp.tool()
async def slow(steps: int, ctx: Context) -> str:
    """Reports progress `steps` times."""
    for step in range(steps):
        await anyio.sleep(0.01)
        await ctx.report_progress(step + 1, steps, f"step {step + 1}")
    return f"done after {steps} steps"


@mcp.tool()
async def hang() -> str:
    """Never finishes; for cancellation and deadline tests."""
    await anyio.sleep(3600)
    return "unreachable"


class Confirmation(BaseModel):
    confirm: bool


def ask_confirmation(action: str) -> Elicit[Confirmation]:
    return Elicit(f"Really {action}?", Confirmation)


@mcp.tool()
def confirm(action: str, answer: Annotated[Confirmation, Resolve(ask_confirmation)]) -> str:
    """Asks the user (elicitation) before acting."""
    return f"{action}: {'yes' if answer.confirm else 'no'}"


def ask_model(question: str) -> Sample:
    return Sample([SamplingMessage(role="user", content=TextContent(type="text", text=question))], max_tokens=64)


@mcp.tool()
def consult(question: str, reply: Annotated[CreateMessageResult, Resolve(ask_model)]) -> str:
    """Asks the client's model (sampling)."""
    return f"model said: {reply.content.text}"


@mcp.resource("fixture://counter")
def counter() -> str:
    """A number changed by the bump tool."""
    return str(state["counter"])


@mcp.tool()
async def bump(ctx: Context) -> int:
    """Increments fixture://counter and announces the change."""
    state["counter"] += 1
    await ctx.notify_resource_updated("fixture://counter")
    for session in list(legacy_subscribers.get("fixture://counter", [])):
        try:
            await session.send_resource_updated("fixture://counter")
        except Exception:
            legacy_subscribers["fixture://counter"].remove(session)
    return state["counter"]


@mcp.prompt()
def greet(name: str) -> str:
    """A greeting prompt."""
    return f"Say hello to {name}."


for index in range(6):
    def make(index: int):
        def filler() -> str:
            return f"filler {index}"

        filler.__name__ = f"filler_{index}"
        filler.__doc__ = "Pads the tool list so that it spans several pages."
        return filler

    mcp.tool(name=f"filler_{index}")(make(index))


async def serve_handshake_only() -> None:
    """stdio in the SDK's handshake-only loop mode: what a server built before 2026-07-28 does."""
    from mcp.server.runner import serve_loop
    from mcp.server.stdio import stdio_server

    lowlevel = mcp._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        async with lowlevel.lifespan(lowlevel) as lifespan_state:
            await serve_loop(
                lowlevel,
                read_stream,
                write_stream,
                lifespan_state=lifespan_state,
                init_options=lowlevel.create_initialization_options(),
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int)
    parser.add_argument("--sse", type=int)
    parser.add_argument("--json-response", action="store_true")
    parser.add_argument("--stateless", action="store_true")
    parser.add_argument(
        "--handshake-only",
        action="store_true",
        help="stdio: serve only the legacy initialize handshake era (the SDK's serve_loop), like a pre-2026 server",
    )
    args = parser.parse_args()
    if args.http is not None:
        mcp.run(
            "streamable-http",
            host="127.0.0.1",
            port=args.http,
            json_response=args.json_response,
            stateless_http=args.stateless,
        )
    elif args.sse is not None:
        mcp.run("sse", host="127.0.0.1", port=args.sse)
    elif args.handshake_only:
        anyio.run(serve_handshake_only)
    else:
        mcp.run("stdio")


if __name__ == "__main__":
    sys.exit(main())
