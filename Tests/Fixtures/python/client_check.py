"""The official Python SDK client (mcp 2.x) exercising a server, for Switchboard's interop tests.

usage: client_check.py --era modern|legacy stdio -- CMD [ARGS...]
       client_check.py --era modern|legacy http URL

Prints one JSON object: the negotiated version and, per check, its observed value or an
"error: ..." string. The Swift test compares these with what the demo server must answer.
"""
import argparse
import json
import sys
from contextlib import AsyncExitStack

import anyio
from checks import check, start, tool_names
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CreateMessageResult, ElicitResult, InputRequiredResult, TextContent


async def on_elicit(context, params):
    return ElicitResult(action="accept", content={"confirm": True})


async def on_sample(context, params):
    question = params.messages[0].content.text
    return CreateMessageResult(role="assistant", content=TextContent(type="text", text=f"re: {question}"), model="py-stub")


async def call_answering_input(session, name, arguments):
    """Calls a tool; on the modern era's input_required, answers each input request with the
    callbacks above and retries with the server's request_state (multi round-trip requests)."""
    responses, state = None, None
    for _ in range(5):
        result = await session.call_tool(
            name, arguments, input_responses=responses, request_state=state, allow_input_required=True
        )
        if not isinstance(result, InputRequiredResult):
            return result
        responses = {}
        for key, request in (result.input_requests or {}).items():
            if request.method == "elicitation/create":
                responses[key] = (await on_elicit(None, request.params)).model_dump(by_alias=True, exclude_none=True)
            elif request.method == "sampling/createMessage":
                responses[key] = (await on_sample(None, request.params)).model_dump(by_alias=True, exclude_none=True)
        state = result.request_state
    raise RuntimeError("still input_required after 5 rounds")



async def run(args):
    report = {}
    async with AsyncExitStack() as stack:
        if args.mode == "stdio":
            params = StdioServerParameters(command=args.target[0], args=args.target[1:])
            read, write = await stack.enter_async_context(stdio_client(params))
        else:
            read, write, *_ = await stack.enter_async_context(streamable_http_client(args.target[0]))
        session = await stack.enter_async_context(
            ClientSession(read, write, sampling_callback=on_sample, elicitation_callback=on_elicit)
        )
        await start(session, args.era, report)

        async def tools():
            return await tool_names(session)

        async def echo():
            result = await session.call_tool("echo", {"text": "from python"})
            return result.content[0].text

        async def add():
            result = await session.call_tool("add", {"a": 20, "b": 22})
            return result.structured_content

        async def fail():
            result = await session.call_tool("fail", {})
            return result.is_error

        progress = []

        async def on_progress(value, total, message):
            progress.append(value)

        async def sleep():
            result = await session.call_tool("sleep", {"ms": 40, "steps": 4}, progress_callback=on_progress)
            return {"text": result.content[0].text, "progress": progress}

        async def elicit():
            result = await call_answering_input(session, "confirm_action", {"action": "ship"})
            return result.content[0].text

        async def sample():
            result = await call_answering_input(session, "ask_model", {"question": "why"})
            return result.content[0].text

        async def read():
            result = await session.read_resource("demo://greeting/Python")
            return result.contents[0].text

        async def prompt():
            result = await session.get_prompt("summarize", {"text": "abc", "style": "brief"})
            return result.messages[0].content.text

        for name, action in [("tools", tools), ("echo", echo), ("add", add), ("fail", fail), ("sleep", sleep),
                             ("elicit", elicit), ("sample", sample), ("read", read), ("prompt", prompt)]:
            await check(name, report, action)
    print(json.dumps(report))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--era", choices=["modern", "legacy"], required=True)
    parser.add_argument("mode", choices=["stdio", "http"])
    parser.add_argument("target", nargs="+")
    args = parser.parse_args()
    if args.target and args.target[0] == "--":
        args.target = args.target[1:]
    anyio.run(run, args)


if __name__ == "__main__":
    sys.exit(main())
