"""A webhook receiver for the gateway's alerts: it records every POST, checking the HMAC
signature (X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of "<X-Switchboard-Timestamp>.<body>">)
with the secret it is given, independently of the gateway's own code.

    python webhook_receiver.py --port P --secret S

POST <any path>   recorded; answered 200 (or 500 for the first N with --fail-first N)
GET  /received    [{"path", "body" (parsed JSON), "signed", "signatureValid"}, ...] in arrival order
"""
import argparse
import hashlib
import hmac
import json
import threading
from http.server import ThreadingHTTPServer

from json_http import JSONHandler

LOCK = threading.Lock()
RECEIVED = []
STATE = {"fail_first": 0}


class Handler(JSONHandler):
    secret = b""

    def do_GET(self):
        with LOCK:
            self.reply(200, list(RECEIVED) if self.path == "/received" else {"error": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("X-Switchboard-Signature")
        timestamp = self.headers.get("X-Switchboard-Timestamp", "")
        expected = "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        with LOCK:
            if STATE["fail_first"] > 0:
                STATE["fail_first"] -= 1
                self.reply(500, {"error": "failing on purpose"})
                return
            RECEIVED.append({
                "path": self.path,
                "body": json.loads(body),
                "signed": signature is not None,
                "signatureValid": signature is not None and hmac.compare_digest(signature, expected),
            })
        self.reply(200, {"ok": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", default="")
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    Handler.secret = args.secret.encode()
    STATE["fail_first"] = args.fail_first
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
