"""A deliberately misbehaving MCP server (no SDK: it speaks raw JSON-RPC), for fault tests.

stdio (default): modern-era server whose tools misbehave on purpose:
  ok        answers normally
  exit      exits with status 3 as soon as it receives the call
  hang      never answers
  garbage   writes a line that is not JSON, then answers normally
  big       answers with a text of --big-bytes bytes (default 10 MiB)
  stderr    writes to stderr, then answers

--http PORT: the same over Streamable HTTP, plus
  http500   answers HTTP 500
  cut       starts an SSE answer and closes the connection in the middle of an event
  transfer  destructive: counts one execution, then resets the connection (SO_LINGER 0)
            without answering, as a server that crashes after doing the work would
  balance   read-only and idempotent: the first call (to this process, or to any server
            sharing --counter-file) is reset before it runs; later ones count an execution
            and answer
  executions  the counts so far, as JSON text
and the resource flaky://data, whose first two reads answer HTTP 503.
Executions are also appended, one line each, to --counter-file when given, so that tests
can add up what several servers did.
"""
import argparse
import io
import json
import os
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "2026-07-28"
BIG = 10 * 1024 * 1024
COUNTER_FILE = None
COUNTS = {"transfer": 0, "balance": 0, "balance_resets": 0, "flaky_reads": 0}
LOCK = threading.Lock()

DESTRUCTIVE = {"destructiveHint": True, "idempotentHint": False, "readOnlyHint": False}
READ_ONLY = {"readOnlyHint": True, "idempotentHint": True, "destructiveHint": False}


def count(name):
    """Records one execution (in memory and, when asked, in the shared counter file)."""
    with LOCK:
        COUNTS[name] += 1
        if COUNTER_FILE:
            with open(COUNTER_FILE, "a") as handle:
                handle.write(name + "\n")


def first_balance_call():
    """Whether this is the first balance call, here or on any server sharing the counter file."""
    with LOCK:
        if COUNTER_FILE:
            with open(COUNTER_FILE, "a+") as handle:
                handle.seek(0)
                if "balance-reset\n" in handle.readlines():
                    return False
                handle.write("balance-reset\n")
                return True
        COUNTS["balance_resets"] += 1
        return COUNTS["balance_resets"] == 1


def result_for(message):
    """The JSON-RPC answer to a request, or None to stay silent."""
    method = message.get("method")
    rid = message.get("id")
    if method == "server/discover":
        return {"jsonrpc": "2.0", "id": rid, "result": {
            "resultType": "complete", "supportedVersions": [VERSION], "capabilities": {"tools": {}, "resources": {}},
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "fault-server", "version": "1"}},
            "ttlMs": 0, "cacheScope": "private"}}
    if method == "tools/list":
        names = ["ok", "exit", "hang", "garbage", "big", "stderr", "http500", "cut", "executions"]
        tools = [{"name": n, "inputSchema": {"type": "object"}} for n in names]
        tools.append({"name": "transfer", "inputSchema": {"type": "object"}, "annotations": DESTRUCTIVE})
        tools.append({"name": "balance", "inputSchema": {"type": "object"}, "annotations": READ_ONLY})
        return {"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "tools": tools, "ttlMs": 0, "cacheScope": "private"}}
    if method == "resources/list":
        resources = [{"uri": "flaky://data", "name": "flaky"}]
        return {"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "resources": resources, "ttlMs": 0, "cacheScope": "private"}}
    if method == "resources/read":
        contents = [{"uri": "flaky://data", "text": f"data after {COUNTS['flaky_reads']} reads"}]
        return {"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "contents": contents, "ttlMs": 0, "cacheScope": "private"}}
    if method == "tools/call":
        name = message["params"]["name"]
        if name in ("transfer", "balance"):
            count(name)
        if name == "executions":
            with LOCK:
                text = json.dumps(COUNTS, sort_keys=True)
        else:
            text = "x" * BIG if name == "big" else f"{name} done"
        return {"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "content": [{"type": "text", "text": text}]}}
    if rid is not None:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"method not found: {method}"}}
    return None


def serve_stdio():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        name = message.get("params", {}).get("name") if message.get("method") == "tools/call" else None
        if name == "exit":
            sys.stderr.write("fault server: exiting on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        if name == "hang":
            continue
        if name == "garbage":
            out.write("this is not json\n")
        if name == "stderr":
            sys.stderr.write("fault server: a line on stderr\n")
            sys.stderr.flush()
        answer = result_for(message)
        if answer is not None:
            out.write(json.dumps(answer) + "\n")
            out.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        message = json.loads(body)
        name = message.get("params", {}).get("name") if message.get("method") == "tools/call" else None
        if "id" not in message:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name == "transfer":
            count("transfer")
            self.reset_connection()
            return
        if name == "balance" and first_balance_call():
            self.reset_connection()
            return
        if message.get("method") == "resources/read":
            with LOCK:
                COUNTS["flaky_reads"] += 1
                failing = COUNTS["flaky_reads"] <= 2
            if failing:
                payload = b"try again"
                self.send_response(503)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
        if name == "http500":
            payload = b"internal failure"
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        if name == "hang":
            threading.Event().wait(3600)
            return
        if name == "cut":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'event: message\ndata: {"jsonrpc":"2.0","id":')
            self.wfile.flush()
            self.close_connection = True
            return
        payload = json.dumps(result_for(message)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def reset_connection(self):
        """Closes the socket with SO_LINGER 0: the client sees a TCP reset, not an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        # What the handler would still flush goes nowhere.
        self.wfile = io.BytesIO()

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global BIG, COUNTER_FILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int)
    parser.add_argument("--big-bytes", type=int, default=BIG)
    parser.add_argument("--counter-file")
    args = parser.parse_args()
    BIG = args.big_bytes
    COUNTER_FILE = args.counter_file
    if args.http is not None:
        ThreadingHTTPServer(("127.0.0.1", args.http), Handler).serve_forever()
    else:
        serve_stdio()


if __name__ == "__main__":
    main()
