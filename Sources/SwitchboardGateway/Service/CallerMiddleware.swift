import HTTPTypes
import Hummingbird
import HummingbirdAuth
import JSONCore
import MCPWire
import NIOCore
import SwitchboardConfiguration
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds who sent a request from its `Authorization: Bearer` credential: a JWT from the
/// configured authorization server, or an API key. A credential that is nobody's ends the
/// request with 401 at once (it does not fall back to anonymous access: a typo in a key should
/// fail loudly, not quietly lose permissions). An address that sent too many bad credentials
/// is answered 429 for a while, whatever it sends.
struct BearerAuthenticator: AuthenticatorMiddleware {
    typealias Context = GatewayRequestContext
    let audit: AuditTrail?
    let metrics: GatewayMetrics
    let access: @Sendable () -> GatewayAccess
    let failures: FailureCounter

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        guard request.headers[.authorization] != nil else { return nil }
        let access = access()
        let address = context.clientAddress
        let now = Date().timeIntervalSince1970
        if case .blocked(let retryAfter) = failures.decision(for: address, now: now, limit: access.failureLimit) {
            metrics.authenticationFailed("rate_limited")
            throw TooManyFailures(retryAfter: retryAfter)
        }
        guard let bearer = request.headers.bearer, !bearer.token.isEmpty else {
            throw await refuse(
                Unauthorized(reason: "the Authorization header must be 'Bearer <credential>'", error: "invalid_request", access: access),
                of: request,
                from: context,
                now: now
            )
        }
        if let tokens = access.tokens, TokenVerifier.looksLikeJWT(bearer.token) {
            let principal: Principal
            do { principal = try await tokens.verify(bearer.token, now: now) } catch {
                if case .keysUnavailable = error {
                    // The authorization server's fault, not the caller's: not counted against it.
                    await audit?.unauthenticated(error.description, client: address, traceID: Context.traceID(of: request))
                    metrics.authenticationFailed("keys_unavailable")
                    throw KeysUnavailable(reason: error.description)
                }
                throw await refuse(
                    Unauthorized(reason: error.description, error: error.oauthError, access: access),
                    of: request,
                    from: context,
                    now: now
                )
            }
            let missing = ScopePolicy.missing(access.scopes.required, from: principal.scopes ?? [])
            if !missing.isEmpty {
                let refusal = InsufficientScope(needed: access.scopes.required, missing: missing, resource: access.resource)
                let facts = RequestFacts(caller: GatewayCaller(principal: principal, client: address, traceID: Context.traceID(of: request)))
                await audit?.denied("authenticate", nil, facts, refusal.reason)
                metrics.denied("scope")
                throw refusal
            }
            return principal
        }
        guard let principal = access.keys.authenticate(bearer.token) else {
            let what = access.tokens == nil ? "the API key is not valid" : "the credential is neither a valid API key nor a JWT"
            throw await refuse(
                Unauthorized(reason: what, error: "invalid_token", access: access),
                of: request,
                from: context,
                now: now,
                kind: "invalid_api_key"
            )
        }
        return principal
    }

    func refuse(_ refusal: Unauthorized, of request: Request, from context: Context, now: Double, kind: String? = nil) async -> Unauthorized {
        metrics.authenticationFailed(kind ?? refusal.error ?? "invalid_request")
        let address = context.clientAddress
        let trace = Context.traceID(of: request)
        let blocks = failures.record(from: address, now: now, limit: access().failureLimit)
        await audit?.unauthenticated(refusal.reason, client: address, traceID: trace)
        if blocks {
            await audit?.unauthenticated("\(address) sent too many bad credentials; refused until its window ends", client: address, traceID: trace)
        }
        return refusal
    }
}

/// The bad credentials counted per client address, shared by every request.
final class FailureCounter: Sendable {
    let limiter: Mutex<FailureLimiter?> = Mutex(nil)

    func decision(for address: String, now: Double, limit: GatewaySettings.FailureLimit) -> FailureLimiter.Decision {
        limiter.withLock { current in
            Self.adjust(&current, to: limit)
            return current?.decision(for: address, now: now) ?? .proceed
        }
    }

    /// Counts one; true when it is the failure that blocks the address.
    func record(from address: String, now: Double, limit: GatewaySettings.FailureLimit) -> Bool {
        limiter.withLock { current in
            Self.adjust(&current, to: limit)
            return current?.recordFailure(from: address, now: now) ?? false
        }
    }

    /// A reloaded limit starts the counting afresh.
    static func adjust(_ current: inout FailureLimiter?, to limit: GatewaySettings.FailureLimit) {
        if let existing = current, existing.limit == limit.limit, existing.window == Double(limit.windowSeconds) { return }
        current = FailureLimiter(limit: limit.limit, windowSeconds: limit.windowSeconds)
    }
}

/// Lets a request without credentials through as the anonymous principal when the access
/// rules have one; otherwise answers 401 with the `WWW-Authenticate` challenge.
struct RequireCallerMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let audit: AuditTrail?
    let metrics: GatewayMetrics
    let access: @Sendable () -> GatewayAccess

    // `@concurrent`, as Hummingbird's protocol (built without NonisolatedNonsendingByDefault) declares it.
    @concurrent
    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if context.identity == nil {
            let access = access()
            guard let anonymous = access.anonymous else {
                let reason =
                    access.tokens.map { _ in
                        "this gateway needs a bearer token: an access token from its authorization server (see the resource_metadata of this 401), or an API key"
                    } ?? "this gateway needs an API key: send 'Authorization: Bearer <key>'"
                let refusal = Unauthorized(reason: reason, error: nil, access: access)
                await audit?.unauthenticated(refusal.reason, client: context.clientAddress, traceID: Context.traceID(of: request))
                metrics.authenticationFailed("missing_credentials")
                throw refusal
            }
            context.identity = anonymous
        }
        return try await next(request, context)
    }
}

/// An HTTP answer whose body is a JSON-RPC error with no id (code -32001, as the MCP SDKs
/// show it), with `header` (a challenge, `Retry-After`) set.
func refusalResponse(_ status: HTTPResponse.Status, _ message: String, data: JSONValue? = nil, header: (HTTPField.Name, String)? = nil) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    if let header { headers[header.0] = header.1 }
    let body = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: nil, error: JSONRPCError(code: -32001, message: message, data: data)))
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
}

/// A 401 (thrown; Hummingbird sends its response): a JSON-RPC error body clients can show,
/// and the challenge RFC 6750 asks for; with tokens accepted, it names the protected resource
/// metadata and the scopes to ask for (MCP authorization, RFC 9728 §5.1).
struct Unauthorized: HTTPResponseError {
    var reason: String
    /// The RFC 6750 error code, when the request carried a credential.
    var error: String?
    var resource: ProtectedResource?

    init(reason: String, error: String?, access: GatewayAccess) {
        self.reason = reason
        self.error = error
        resource = access.resource
    }

    var status: HTTPResponse.Status { .unauthorized }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var challenge = BearerChallenge(error: error)
        if let resource {
            challenge.description = error == nil ? nil : reason
            challenge.scope = resource.scopes.required
            challenge.resourceMetadata = resource.metadataURL(host: request.head.authority)
        }
        return refusalResponse(.unauthorized, reason, header: (.wwwAuthenticate, challenge.header))
    }
}

/// A 403 `insufficient_scope`: the token is valid but lacks scopes the request needs; the
/// challenge names every scope it needs, so that the client can ask for them all at once.
struct InsufficientScope: HTTPResponseError {
    var needed: [String]
    var missing: [String]
    var resource: ProtectedResource?

    var reason: String {
        "the token lacks the scope\(missing.count == 1 ? "" : "s") \(missing.joined(separator: " ")); this request needs \(needed.joined(separator: " "))"
    }

    var status: HTTPResponse.Status { .forbidden }

    func challenge(host: String?) -> BearerChallenge {
        BearerChallenge(error: "insufficient_scope", description: reason, scope: needed, resourceMetadata: resource?.metadataURL(host: host))
    }

    var data: JSONValue { ["reason": "insufficientScope", "scopes": .array(needed.map(JSONValue.string))] }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        refusalResponse(.forbidden, reason, data: data, header: (.wwwAuthenticate, challenge(host: request.head.authority).header))
    }
}

/// A 429 for an address that sent too many bad credentials.
struct TooManyFailures: HTTPResponseError {
    var retryAfter: Int
    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        refusalResponse(
            .tooManyRequests,
            "too many requests with bad credentials from this address; try again in \(retryAfter) s",
            header: (.retryAfter, String(retryAfter))
        )
    }
}

/// A 503: the authorization server's keys cannot be read, so no token can be checked now.
struct KeysUnavailable: HTTPResponseError {
    var reason: String
    var status: HTTPResponse.Status { .serviceUnavailable }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        refusalResponse(.serviceUnavailable, reason, header: (.retryAfter, "5"))
    }
}
