"""Protected MCP servers and their authorization servers, on the Python SDK's real OAuth code
(mcp.server.auth): RFC 8414 metadata, /authorize, /token and /register (RFC 7591) by the SDK's
own handlers, RFC 9728 protected resource metadata by its handler, and bearer validation by its
BearerAuthBackend with the token's audience checked against the server (RFC 8707).

Each authorization server approves every request at once (no login page): /authorize redirects
straight back to the client's redirect_uri with a code, so a test can follow the redirect with a
plain HTTP client and then call the client's real loopback callback.

Where the servers live (one process, one port each):
  --port P                       the MCP server: http://127.0.0.1:P/mcp (and, by default, its
                                 authorization server too)
  --transport sse                the 2024-11-05 HTTP+SSE transport instead: http://127.0.0.1:P/sse
  --as-port Q                    the authorization server on a port of its own
  --second-as-port R             a second authorization server; POST /migrate on the MCP server
                                 makes its metadata name the second one and forgets every token
                                 the first one issued (a server moving to a new authorization server)
  --issuer-path /tenant1         an issuer with a path; the endpoints live under it
  --endpoint-prefix /oauth       endpoints under a prefix, the issuer staying the origin
  --as-metadata KIND             where the authorization server metadata is: oauth (RFC 8414,
                                 the default), openid (OpenID Connect, path inserted),
                                 openid-appended (path appended), none (no metadata at all)

The protected resource:
  --prm KIND                     path (/.well-known/oauth-protected-resource/mcp, default), root,
                                 custom (/custom/metadata/location.json), none (2025-03-26)
  --challenge-metadata yes|no    resource_metadata in WWW-Authenticate (default yes)
  --challenge-scope "a b"        scope in the 401 challenge (default: none)
  --scopes "a b"                 scopes_supported of both documents (default "mcp:tools")
  --require METHOD=SCOPES        a token needs SCOPES for METHOD (tools/call, tools/list, ...),
                                 else 403 insufficient_scope with scope="SCOPES" (repeatable)
  --always-insufficient SCOPES   every request with a token is answered 403 insufficient_scope
  --forbidden                    every request with a token is answered 403 without a challenge
                                 (a policy refusal, not about scope)
  --as-drop KEY / --as-set KEY=JSON / --prm-set KEY=JSON   edit the metadata documents

Tokens and clients:
  --token-lifetime SECONDS       access token lifetime (default 3600)
  --iss MODE                     iss in the authorization response (RFC 9207): omit (default),
                                 correct, wrong, or normalized (the issuer with a trailing slash)
  --register-auth-method METHOD  register clients for client_secret_basic or client_secret_post
  --no-registration              no registration endpoint
  --preregistered ID:SECRET:METHOD:REDIRECT   a client the authorization server knows already
  --cimd-documents FILE          accept Client ID Metadata Documents: FILE maps each client_id URL
                                 to its document, standing in for the HTTPS fetch
  --client-credentials ID:SECRET offer the client_credentials grant to this client

GET /counts (on the MCP server's port) answers what happened: counts of registrations,
authorizations, code exchanges, refreshes, client-credentials grants, requests to /mcp and those
that carried an Authorization header, and `events`: every request to an authorization server
(which server, path, client_id, scope) and to the protected resource's metadata. POST /expire
forgets every access token (as a restart or revocation would); refresh tokens stay valid.
"""
import argparse
import asyncio
import base64
import json
import secrets
import time
from urllib.parse import unquote, urlparse

import uvicorn
from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend
from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.server.auth.provider import AccessToken, AuthorizationCode, AuthorizationParams, RefreshToken, construct_redirect_uri
from mcp.server.auth.routes import build_metadata
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken, ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

COUNTS = {
    "last_scopes": None,
    "registrations": 0,
    "authorizations": 0,
    "exchanges": 0,
    "refreshes": 0,
    "client_credentials": 0,
    "bearer_requests": 0,
    "mcp_requests": 0,
    "events": [],
}


def event(**fields):
    COUNTS["events"].append(fields)


def loopback_matches(registered: str, presented: str) -> bool:
    """RFC 8252 §7.3: a loopback redirect URI matches whatever port the client listens on."""
    a, b = urlparse(registered), urlparse(presented)
    if a.hostname in ("127.0.0.1", "[::1]", "::1") and a.scheme == "http":
        return (a.scheme, a.hostname, a.path) == (b.scheme, b.hostname, b.path)
    return registered == presented


class ApprovingProvider:
    """An in-memory authorization server that approves every request."""

    def __init__(self, name: str, issuer: str, args, scopes: list[str]):
        self.name = name
        self.issuer = issuer
        self.iss = args.iss
        self.auth_method = args.register_auth_method
        self.lifetime = args.token_lifetime
        self.valid_scopes = scopes
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.cimd_documents: dict[str, dict] = {}
        if args.cimd_documents:
            with open(args.cimd_documents) as handle:
                self.cimd_documents = json.load(handle)
        for spec in args.preregistered:
            client_id, secret, method, redirect = spec.split(":", 3)
            self.clients[client_id] = OAuthClientInformationFull(
                client_id=client_id,
                client_secret=secret or None,
                token_endpoint_auth_method=method,
                redirect_uris=[redirect],
                grant_types=["authorization_code", "refresh_token"],
                scope=" ".join(scopes + ["offline_access"]),
            )
        for spec in args.client_credentials:
            client_id, secret = spec.split(":", 1)
            self.clients[client_id] = OAuthClientInformationFull(
                client_id=client_id,
                client_secret=secret,
                token_endpoint_auth_method="client_secret_basic",
                redirect_uris=None,
                grant_types=["client_credentials"],
                scope=" ".join(scopes),
            )

    async def get_client(self, client_id: str):
        event(server=self.name, kind="client-lookup", client_id=client_id)
        if client_id in self.clients:
            return self.clients[client_id]
        if client_id.startswith("https://") and client_id in self.cimd_documents:
            document = self.cimd_documents[client_id]
            event(server=self.name, kind="cimd", client_id=client_id)
            # The draft's checks: the document names itself, and lists the redirect URIs.
            if document.get("client_id") != client_id or not document.get("redirect_uris"):
                return None
            if document.get("token_endpoint_auth_method", "none") != "none":
                return None
            client = CIMDClient(
                client_id=client_id,
                client_name=document.get("client_name"),
                redirect_uris=document["redirect_uris"],
                token_endpoint_auth_method="none",
                grant_types=document.get("grant_types", ["authorization_code", "refresh_token"]),
                scope=" ".join(self.valid_scopes + ["offline_access"]),
            )
            return client
        return None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        COUNTS["registrations"] += 1
        event(server=self.name, kind="register", client_id=client_info.client_id, scope=client_info.scope)
        if self.auth_method:
            client_info.token_endpoint_auth_method = self.auth_method
            client_info.client_secret = secrets.token_urlsafe(16)
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client, params: AuthorizationParams) -> str:
        COUNTS["authorizations"] += 1
        COUNTS["last_scopes"] = params.scopes
        event(server=self.name, kind="authorize", client_id=client.client_id, scopes=params.scopes, resource=params.resource)
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

    def issue(self, client_id: str, scopes: list[str], resource: str | None, refresh: bool = True) -> OAuthToken:
        access = f"{self.name}-" + secrets.token_urlsafe(24)
        expires = int(time.time()) + self.lifetime
        self.access_tokens[access] = AccessToken(
            token=access, client_id=client_id, scopes=scopes, expires_at=expires, resource=resource, subject="test-user"
        )
        refresh_token = None
        if refresh:
            refresh_token = secrets.token_urlsafe(24)
            self.refresh_tokens[refresh_token] = RefreshToken(
                token=refresh_token, client_id=client_id, scopes=scopes, resource=resource, subject="test-user"
            )
        return OAuthToken(
            access_token=access, token_type="Bearer", expires_in=self.lifetime, refresh_token=refresh_token, scope=" ".join(scopes)
        )

    async def exchange_authorization_code(self, client, authorization_code: AuthorizationCode) -> OAuthToken:
        COUNTS["exchanges"] += 1
        self.codes.pop(authorization_code.code, None)
        return self.issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client, refresh_token: str):
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(self, client, refresh_token: RefreshToken, scopes: list[str]) -> OAuthToken:
        COUNTS["refreshes"] += 1
        self.refresh_tokens.pop(refresh_token.token, None)
        return self.issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource)

    async def load_access_token(self, token: str):
        found = self.access_tokens.get(token)
        if found is None or (found.expires_at is not None and found.expires_at < time.time()):
            return None
        return found

    async def verify_token(self, token: str):
        return await self.load_access_token(token)

    async def revoke_token(self, token) -> None:
        self.access_tokens.pop(getattr(token, "token", ""), None)


class CIMDClient(OAuthClientInformationFull):
    """A client known by its metadata document: any loopback port of its redirect URIs."""

    def validate_redirect_uri(self, redirect_uri):
        if redirect_uri is not None and any(loopback_matches(str(r), str(redirect_uri)) for r in self.redirect_uris or []):
            return redirect_uri
        return super().validate_redirect_uri(redirect_uri)


class ClientCredentialsGrant:
    """client_credentials (RFC 6749 §4.4), which the SDK's token handler does not serve: the client
    is authenticated by the SDK's ClientAuthenticator; every other grant goes to its TokenHandler."""

    def __init__(self, provider: ApprovingProvider, token_handler: TokenHandler, authenticator: ClientAuthenticator):
        self.provider = provider
        self.token_handler = token_handler
        self.authenticator = authenticator

    async def handle(self, request: Request):
        form = await request.form()
        event(server=self.provider.name, kind="token", grant_type=form.get("grant_type"), client_id=form.get("client_id") or basic_client_id(request))
        if form.get("grant_type") != "client_credentials":
            return await self.token_handler.handle(request)
        try:
            client = await self.authenticator.authenticate_request(request)
        except AuthenticationError as error:
            return JSONResponse({"error": "invalid_client", "error_description": error.message}, status_code=401)
        if "client_credentials" not in client.grant_types:
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        scopes = (form.get("scope") or "").split() or self.provider.valid_scopes
        COUNTS["client_credentials"] += 1
        token = self.provider.issue(client.client_id, scopes, form.get("resource"), refresh=False)
        return JSONResponse(token.model_dump(exclude_none=True), headers={"Cache-Control": "no-store"})


def basic_client_id(request: Request):
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        return unquote(base64.b64decode(header[6:]).decode().split(":", 1)[0])
    except Exception:
        return None


def authorization_server_routes(provider: ApprovingProvider, origin: str, args, scopes: list[str]) -> list[Route]:
    """The SDK's handlers at the paths this run asks for, and its metadata where discovery is tested."""
    issuer = origin + args.issuer_path
    endpoints = origin + (args.issuer_path or args.endpoint_prefix)
    registration = ClientRegistrationOptions(enabled=not args.no_registration, valid_scopes=scopes + ["offline_access"])
    metadata = build_metadata(AnyHttpUrl(endpoints), None, registration, RevocationOptions(enabled=False))
    document = json.loads(metadata.model_dump_json(exclude_none=True))
    document["issuer"] = issuer
    if args.cimd_documents:
        document["client_id_metadata_document_supported"] = True
    if args.client_credentials:
        document["grant_types_supported"] = document.get("grant_types_supported", []) + ["client_credentials"]
    for key in args.as_drop:
        document.pop(key, None)
    for key, value in (item.split("=", 1) for item in args.as_set):
        document[key] = json.loads(value)

    async def serve_metadata(request: Request):
        event(server=provider.name, kind="metadata", path=request.url.path)
        return JSONResponse(document)

    authenticator = ClientAuthenticator(provider)
    token = ClientCredentialsGrant(provider, TokenHandler(provider, authenticator), authenticator)
    prefix = urlparse(endpoints).path.rstrip("/")
    routes = [
        Route(prefix + "/authorize", AuthorizationHandler(provider).handle, methods=["GET", "POST"]),
        Route(prefix + "/token", token.handle, methods=["POST"]),
    ]
    if not args.no_registration:
        routes.append(Route(prefix + "/register", RegistrationHandler(provider, options=registration).handle, methods=["POST"]))
    path = args.issuer_path
    location = {
        "oauth": "/.well-known/oauth-authorization-server" + path,
        "openid": "/.well-known/openid-configuration" + path,
        "openid-appended": path + "/.well-known/openid-configuration",
        "none": None,
    }[args.as_metadata]
    if location:
        routes.append(Route(location, serve_metadata, methods=["GET"]))

    async def not_found(request: Request):
        event(server=provider.name, kind="metadata-miss", path=request.url.path)
        return JSONResponse({"error": "not_found"}, status_code=404)

    for miss in ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]:
        routes.append(Route(miss + "{rest:path}", not_found, methods=["GET"]))
    return routes


class ProtectedResource:
    """The MCP server's guard: the SDK's bearer validation (with the audience), then this run's
    scope policy, answered with RFC 6750 challenges as the MCP specification words them."""

    def __init__(self, app, base: str, args, providers: dict, scopes: list[str]):
        self.app = app
        self.base = base
        self.endpoint = "/sse" if args.transport == "sse" else "/mcp"
        self.resource = base + self.endpoint
        self.args = args
        self.providers = providers
        self.current = "as1"
        self.scopes = scopes
        self.requirements = {}
        for item in args.require:
            method, needed = item.split("=", 1)
            self.requirements[method] = needed.split()
        self.prm_path = {
            "path": "/.well-known/oauth-protected-resource" + self.endpoint,
            "root": "/.well-known/oauth-protected-resource",
            "custom": "/custom/metadata/location.json",
            "none": None,
        }[args.prm]

    def metadata_document(self) -> dict:
        provider = self.providers[self.current]
        metadata = ProtectedResourceMetadata(
            resource=AnyHttpUrl(self.resource),
            authorization_servers=[AnyHttpUrl(provider.issuer)],
            scopes_supported=self.scopes,
        )
        document = json.loads(metadata.model_dump_json(exclude_none=True))
        # The issuer exactly as the authorization server writes it.
        document["authorization_servers"] = [provider.issuer]
        document["resource"] = self.resource
        for key, value in (item.split("=", 1) for item in self.args.prm_set):
            document[key] = json.loads(value)
        return document

    def challenge(self, error: str | None, scope: str | None) -> str:
        parts = []
        if error:
            parts.append(f'error="{error}"')
        if scope:
            parts.append(f'scope="{scope}"')
        if self.prm_path and self.args.challenge_metadata == "yes":
            parts.append(f'resource_metadata="{self.base}{self.prm_path}"')
        return "Bearer" + ((" " + ", ".join(parts)) if parts else "")

    async def refuse(self, send, status: int, error: str | None, scope: str | None):
        body = json.dumps({"error": error or "invalid_token"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", self.challenge(error, scope).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith("/.well-known/oauth-protected-resource") or path == "/custom/metadata/location.json":
            event(server="rs", kind="prm", path=path)
            if self.prm_path is None or path != self.prm_path:
                await JSONResponse({"error": "not_found"}, status_code=404)(scope, receive, send)
            else:
                await JSONResponse(self.metadata_document())(scope, receive, send)
            return
        if not (path.startswith(self.endpoint) or path.startswith("/messages")):
            await self.app(scope, receive, send)
            return
        COUNTS["mcp_requests"] += 1
        headers = dict((k.lower(), v) for k, v in scope.get("headers", []))
        if b"authorization" in headers:
            COUNTS["bearer_requests"] += 1
        # The body, to know the method; handed on unchanged.
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        method = None
        try:
            method = json.loads(body).get("method") if body else None
        except Exception:
            pass
        provider = self.providers[self.current]
        backend = BearerAuthBackend(provider, resource_server_url=AnyHttpUrl(self.resource))
        verified = await backend.authenticate(HTTPConnection(scope))
        if verified is None:
            await self.refuse(send, 401, "invalid_token" if b"authorization" in headers else None, self.args.challenge_scope)
            return
        credentials, _ = verified
        if self.args.forbidden:
            body = b'{"error": "forbidden"}'
            await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if self.args.always_insufficient:
            await self.refuse(send, 403, "insufficient_scope", self.args.always_insufficient)
            return
        needed = self.requirements.get(method, [])
        if any(s not in credentials.scopes for s in needed):
            await self.refuse(send, 403, "insufficient_scope", " ".join(needed))
            return
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", default="streamable", choices=["streamable", "sse"])
    parser.add_argument("--as-port", type=int, default=None)
    parser.add_argument("--second-as-port", type=int, default=None)
    parser.add_argument("--issuer-path", default="")
    parser.add_argument("--endpoint-prefix", default="")
    parser.add_argument("--as-metadata", default="oauth", choices=["oauth", "openid", "openid-appended", "none"])
    parser.add_argument("--prm", default="path", choices=["path", "root", "custom", "none"])
    parser.add_argument("--challenge-metadata", default="yes", choices=["yes", "no"])
    parser.add_argument("--challenge-scope", default=None)
    parser.add_argument("--scopes", default="mcp:tools")
    parser.add_argument("--require", action="append", default=[])
    parser.add_argument("--always-insufficient", default=None)
    parser.add_argument("--forbidden", action="store_true")
    parser.add_argument("--as-drop", action="append", default=[])
    parser.add_argument("--as-set", action="append", default=[])
    parser.add_argument("--prm-set", action="append", default=[])
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--iss", default="omit", choices=["omit", "correct", "wrong", "normalized"])
    parser.add_argument("--register-auth-method", default=None, choices=["client_secret_basic", "client_secret_post"])
    parser.add_argument("--no-registration", action="store_true")
    parser.add_argument("--preregistered", action="append", default=[])
    parser.add_argument("--cimd-documents", default=None)
    parser.add_argument("--client-credentials", action="append", default=[])
    args = parser.parse_args()

    base = f"http://127.0.0.1:{args.port}"
    scopes = args.scopes.split()
    as_origin = f"http://127.0.0.1:{args.as_port}" if args.as_port else base
    providers = {"as1": ApprovingProvider("as1", as_origin + args.issuer_path, args, scopes)}
    if args.second_as_port:
        second = f"http://127.0.0.1:{args.second_as_port}"
        providers["as2"] = ApprovingProvider("as2", second + args.issuer_path, args, scopes)

    mcp = MCPServer("protected-fixture")

    @mcp.tool()
    def whoami() -> str:
        """Answers who the token belongs to."""
        return "test-user"

    @mcp.tool()
    def write_note(text: str) -> str:
        """Writes a note (a tool that may need more scope)."""
        return "noted: " + text

    async def counts(request: Request):
        return JSONResponse(COUNTS)

    async def expire(request: Request):
        for provider in providers.values():
            provider.access_tokens.clear()
        return JSONResponse({"expired": True})

    mcp_app = mcp.sse_app() if args.transport == "sse" else mcp.streamable_http_app()
    guard = ProtectedResource(mcp_app, base, args, providers, scopes)

    async def migrate(request: Request):
        providers["as1"].access_tokens.clear()
        guard.current = "as2"
        return JSONResponse({"migrated": providers["as2"].issuer})

    mcp_app.router.routes.append(Route("/counts", counts))
    mcp_app.router.routes.append(Route("/expire", expire, methods=["POST"]))
    mcp_app.router.routes.append(Route("/migrate", migrate, methods=["POST"]))

    servers = []
    if args.as_port:
        as_app = Starlette(routes=authorization_server_routes(providers["as1"], as_origin, args, scopes))
        servers.append(uvicorn.Server(uvicorn.Config(as_app, host="127.0.0.1", port=args.as_port, log_level="warning")))
    else:
        mcp_app.router.routes[0:0] = authorization_server_routes(providers["as1"], base, args, scopes)
    if args.second_as_port:
        second_app = Starlette(routes=authorization_server_routes(providers["as2"], f"http://127.0.0.1:{args.second_as_port}", args, scopes))
        servers.append(uvicorn.Server(uvicorn.Config(second_app, host="127.0.0.1", port=args.second_as_port, log_level="warning")))
    # The MCP server's port last: a test waits for it, and by then the others listen too.
    servers.append(uvicorn.Server(uvicorn.Config(guard, host="127.0.0.1", port=args.port, log_level="warning")))

    async def run_all():
        for server in servers[:-1]:
            asyncio.get_running_loop().create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
        await servers[-1].serve()

    asyncio.run(run_all())


if __name__ == "__main__":
    main()
