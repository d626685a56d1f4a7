"""A protected MCP server and its authorization server, in one process, on the Python SDK's
real OAuth code (mcp.server.auth): RFC 8414 metadata, /authorize, /token, /register (RFC 7591),
RFC 9728 protected resource metadata, and bearer validation with the token's audience checked
against the server (validate_token_resource).

The provider approves every authorization at once (no login page): /authorize redirects straight
back to the client's redirect_uri with a code, so a test can follow the redirect with a plain
HTTP client and then call the client's real loopback callback.

  --port P                       listen on 127.0.0.1:P; issuer http://127.0.0.1:P, resource .../mcp
  --scopes "a b"                 scopes_supported / required scopes (default "mcp:tools")
  --as-drop KEY                  remove KEY from the authorization server metadata (repeatable)
  --as-set KEY=JSON              set KEY in the authorization server metadata (repeatable)
  --prm-set KEY=JSON             set KEY in the protected resource metadata (repeatable)
  --token-lifetime SECONDS       access token lifetime (default 3600)
  --iss MODE                     iss in the authorization response (RFC 9207): omit (default),
                                 correct, wrong, or normalized (the issuer with a trailing slash)
  --register-auth-method METHOD  register clients for this token endpoint auth method
                                 (client_secret_basic, client_secret_post), with a secret

GET /counts answers the numbers of registrations, authorizations, code exchanges, refreshes,
requests to /mcp, and requests that carried an Authorization header. POST /expire forgets every
access token (as a server restart or a revocation would); refresh tokens stay valid.
"""
import argparse
import json
import secrets
import time

import uvicorn
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

COUNTS = {"last_scopes": None, "registrations": 0, "authorizations": 0, "exchanges": 0, "refreshes": 0, "bearer_requests": 0, "mcp_requests": 0}


class ApprovingProvider:
    """An in-memory authorization server that approves every request."""

    def __init__(self, lifetime: int, iss: str = "omit", issuer: str = "", auth_method: str | None = None):
        self.iss = iss
        self.issuer = issuer
        self.auth_method = auth_method
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.lifetime = lifetime

    async def get_client(self, client_id: str):
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        COUNTS["registrations"] += 1
        if self.auth_method:
            client_info.token_endpoint_auth_method = self.auth_method
            client_info.client_secret = secrets.token_urlsafe(16)
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client, params: AuthorizationParams) -> str:
        COUNTS["authorizations"] += 1
        COUNTS["last_scopes"] = params.scopes
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=params.scopes or [],
            expires_at=time.time() + 300,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
            subject="test-user",
        )
        iss = {"correct": self.issuer, "wrong": "http://127.0.0.1:1", "normalized": self.issuer + "/"}.get(self.iss)
        if iss is None:
            return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state, iss=iss)

    async def load_authorization_code(self, client, authorization_code: str):
        return self.codes.get(authorization_code)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24)
        expires = int(time.time()) + self.lifetime
        self.access_tokens[access] = AccessToken(
            token=access, client_id=client_id, scopes=scopes, expires_at=expires, resource=resource, subject="test-user"
        )
        self.refresh_tokens[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes, resource=resource, subject="test-user")
        return OAuthToken(access_token=access, token_type="Bearer", expires_in=self.lifetime, refresh_token=refresh, scope=" ".join(scopes))

    async def exchange_authorization_code(self, client, authorization_code: AuthorizationCode) -> OAuthToken:
        COUNTS["exchanges"] += 1
        self.codes.pop(authorization_code.code, None)
        return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client, refresh_token: str):
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(self, client, refresh_token: RefreshToken, scopes: list[str]) -> OAuthToken:
        COUNTS["refreshes"] += 1
        self.refresh_tokens.pop(refresh_token.token, None)
        return self._issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource)

    async def load_access_token(self, token: str):
        found = self.access_tokens.get(token)
        if found is None or (found.expires_at is not None and found.expires_at < time.time()):
            return None
        return found

    async def revoke_token(self, token) -> None:
        self.access_tokens.pop(getattr(token, "token", ""), None)


class RewriteMetadata:
    """ASGI middleware: changes the JSON of the two metadata documents, for the scenarios
    where a server publishes something wrong (a foreign issuer, no PKCE, another resource)."""

    def __init__(self, app, as_changes, prm_changes):
        self.app = app
        self.as_changes = as_changes
        self.prm_changes = prm_changes

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/mcp"):
            COUNTS["mcp_requests"] += 1
            if any(name.lower() == b"authorization" for name, _ in scope.get("headers", [])):
                COUNTS["bearer_requests"] += 1
        if path.startswith("/.well-known/oauth-authorization-server"):
            changes = self.as_changes
        elif path.startswith("/.well-known/oauth-protected-resource"):
            changes = self.prm_changes
        else:
            changes = None
        if not changes:
            await self.app(scope, receive, send)
            return
        started = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    document = json.loads(bytes(body))
                    for key, value in changes:
                        if value is None:
                            document.pop(key, None)
                        else:
                            document[key] = value
                    data = json.dumps(document).encode()
                    headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(data)).encode()))
                    await send({**started, "headers": headers})
                    await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, capture)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scopes", default="mcp:tools")
    parser.add_argument("--as-drop", action="append", default=[])
    parser.add_argument("--as-set", action="append", default=[])
    parser.add_argument("--prm-set", action="append", default=[])
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--iss", default="omit", choices=["omit", "correct", "wrong", "normalized"])
    parser.add_argument("--register-auth-method", default=None, choices=["client_secret_basic", "client_secret_post"])
    args = parser.parse_args()

    base = f"http://127.0.0.1:{args.port}"
    scopes = args.scopes.split()

    async def counts(request: Request):
        return JSONResponse(COUNTS)

    async def expire(request: Request):
        provider.access_tokens.clear()
        return JSONResponse({"expired": True})

    provider = ApprovingProvider(args.token_lifetime, args.iss, base, args.register_auth_method)
    mcp = MCPServer(
        "protected-fixture",
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            required_scopes=scopes,
            validate_token_resource=True,
            client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=scopes + ["offline_access"]),
        ),
        auth_server_provider=provider,
    )

    @mcp.tool()
    def whoami() -> str:
        """Answers who the token belongs to."""
        return "test-user"

    app = mcp.streamable_http_app()
    app.router.routes.append(Route("/counts", counts))
    app.router.routes.append(Route("/expire", expire, methods=["POST"]))
    as_changes = [(key, None) for key in args.as_drop] + [(k, json.loads(v)) for k, v in (item.split("=", 1) for item in args.as_set)]
    prm_changes = [(k, json.loads(v)) for k, v in (item.split("=", 1) for item in args.prm_set)]
    uvicorn.run(RewriteMetadata(app, as_changes, prm_changes), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
