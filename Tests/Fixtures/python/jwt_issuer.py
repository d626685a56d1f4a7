"""An authorization server's token side, for testing a resource server: it publishes a JWK set
and mints JWTs on request with PyJWT (RS256 and ES256), including the bad ones a resource
server must refuse.

    python jwt_issuer.py --port P

GET  /jwks.json       the published keys (counted: GET /counts answers {"jwks": fetches})
POST /mint            {"claims": {...}, "alg": "RS256"|"ES256"|"HS256"|"none",
                       "kid": KID (default: the current key of that algorithm; an unpublished
                       kid is signed with the current key),
                       "signer": "published" (default) | "rogue"}  ->  {"token": ...}
                      "rogue" signs with a key that is not published, under the published kid;
                      HS256 uses the published RSA key's PEM as the HMAC secret (the
                      algorithm-confusion attack); "none" is unsigned.
POST /rotate          publishes a new RSA key (kid rsa-N) next to the others -> {"kid": ...}
"""
import argparse
import base64
import hashlib
import hmac
import json
import threading
from http.server import ThreadingHTTPServer

from json_http import JSONHandler

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

LOCK = threading.Lock()
KEYS = {}  # kid -> (algorithm, private key)
CURRENT = {}  # algorithm -> kid
COUNTS = {"jwks": 0}
ROGUE = {"RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048), "ES256": ec.generate_private_key(ec.SECP256R1())}


def add_rsa(kid):
    KEYS[kid] = ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    CURRENT["RS256"] = kid


def jwk_of(kid, algorithm, key):
    exporter = RSAAlgorithm if algorithm == "RS256" else ECAlgorithm
    document = exporter.to_jwk(key.public_key(), as_dict=True)
    document.update({"kid": kid, "alg": algorithm, "use": "sig"})
    return document


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(request):
    claims = request.get("claims", {})
    algorithm = request.get("alg", "RS256")
    with LOCK:
        if algorithm == "none":
            header = {"alg": "none", "typ": "JWT"}
            return b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode()) + "."
        if algorithm == "HS256":
            kid = request.get("kid", CURRENT["RS256"])
            public = KEYS[kid][1].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            header = {"alg": "HS256", "typ": "JWT", "kid": kid}
            signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
            return signing_input + "." + b64(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())
        kid = request.get("kid", CURRENT[algorithm])
        # A kid the set does not publish is signed with the current key, as a key the
        # resource server has not seen yet would be.
        key = ROGUE[algorithm] if request.get("signer") == "rogue" else KEYS.get(kid, KEYS[CURRENT[algorithm]])[1]
        headers = {"kid": kid} if kid else {}
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


class Handler(JSONHandler):
    def do_GET(self):
        if self.path == "/jwks.json":
            with LOCK:
                COUNTS["jwks"] += 1
                keys = [jwk_of(kid, algorithm, key) for kid, (algorithm, key) in KEYS.items()]
            self.reply(200, {"keys": keys})
        elif self.path == "/counts":
            with LOCK:
                self.reply(200, dict(COUNTS))
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/mint":
            self.reply(200, {"token": mint(request)})
        elif self.path == "/rotate":
            with LOCK:
                kid = f"rsa-{len([k for k in KEYS if k.startswith('rsa-')]) + 1}"
                add_rsa(kid)
            self.reply(200, {"kid": kid})
        else:
            self.reply(404, {"error": "not found"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    add_rsa("rsa-1")
    KEYS["ec-1"] = ("ES256", ec.generate_private_key(ec.SECP256R1()))
    CURRENT["ES256"] = "ec-1"
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
