"""The official Python SDK client (mcp 2.x) through `switchboard serve`, for the gateway tests.

usage: gateway_client.py --era modern|legacy URL   (the API key in $GATEWAY_KEY; a URL ending
       in /sse uses the 2024-11-05 HTTP+SSE transport)
       gateway_client.py --era legacy --stdio COMMAND [ARG...]   (`switchboard serve --stdio ...`)

Prints one JSON object: the negotiated version and, per check, its observed value or an
"error: ..." string. The Swift test compares these with what the gateway must answer.
"""
import argparse
import json
import os
import sys
from contextlib import AsyncExitStack

import anyio
from checks import check, start, tool_names
import httpx2
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client



async def open_session(stack, url, era, key, report, command=None):
    if command:
        read, write = await stack.enter_async_context(stdio_client(StdioServerParameters(command=command[0], args=command[1:])))
        session = await stack.enter_async_context(ClientSession(read, write))
        await start(session, era, report)
        return session
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if url.endswith("/sse"):
        # The 2024-11-05 HTTP+SSE transport: GET /sse, POST where its endpoint event says.
        read, write = await stack.enter_async_context(sse_client(url, headers=headers, timeout=30))
        session = await stack.enter_async_context(ClientSession(read, write))
        await start(session, era, report)
        return session
    client = await stack.enter_async_context(httpx2.AsyncClient(headers=headers, timeout=30))
    read, write, *_ = await stack.enter_async_context(streamable_http_client(url, http_client=client))
    session = await stack.enter_async_context(ClientSession(read, write))
    await start(session, era, report)
    return session


async def run(args):
    report = {}
    key = os.environ.get("GATEWAY_KEY")
    async with AsyncExitStack() as stack:
        session = await open_session(stack, args.url, args.era, key, report, args.stdio)

        async def tools():
            return await tool_names(session)

        async def echo():
            result = await session.call_tool("demo__echo", {"text": "through the gateway"})
            return result.content[0].text

        async def add():
            result = await session.call_tool("demo__add", {"a": 20, "b": 22})
            return result.structured_content

        progress = []

        async def on_progress(value, total, message):
            progress.append(value)

        async def sleep():
            result = await session.call_tool("demo__sleep", {"ms": 40, "steps": 4}, progress_callback=on_progress)
            return {"text": result.content[0].text, "progress": progress}

        async def forbidden():
            result = await session.call_tool("demo__increment", {"by": 1})
            return {"isError": result.is_error, "text": result.content[0].text if result.content else None}

        async def read():
            result = await session.read_resource("demo://greeting/Python")
            return result.contents[0].text

        async def prompt():
            result = await session.get_prompt("demo__summarize", {"text": "abc", "style": "brief"})
            return result.messages[0].content.text

        for name, action in [("tools", tools), ("echo", echo), ("add", add), ("sleep", sleep), ("forbidden", forbidden), ("read", read),
                             ("prompt", prompt)]:
            await check(name, report, action)

    async def without_key():
        async with AsyncExitStack() as stack:
            await open_session(stack, args.url, args.era, None, {})
            return "connected"

    if not args.stdio:
        await check("withoutKey", report, without_key)
    print(json.dumps(report))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--era", choices=["modern", "legacy"], required=True)
    parser.add_argument("--stdio", nargs=argparse.REMAINDER, default=None, help="the gateway's command line, after the URL's place")
    parser.add_argument("url", nargs="?")
    anyio.run(run, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
