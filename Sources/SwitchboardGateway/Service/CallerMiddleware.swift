import HTTPTypes
import Hummingbird
import HummingbirdAuth
import JSONCore
import MCPWire
import NIOCore

/// Finds who sent a request from its `Authorization: Bearer` API key. A key that is nobody's
/// ends the request with 401 at once (it does not fall back to anonymous access: a typo in a
/// key should fail loudly, not quietly lose permissions).
struct APIKeyAuthenticator: AuthenticatorMiddleware {
    typealias Context = GatewayRequestContext
    let audit: AuditTrail?
    let access: @Sendable () -> GatewayAccess

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        guard request.headers[.authorization] != nil else { return nil }
        guard let bearer = request.headers.bearer, !bearer.token.isEmpty else {
            throw await refuse(Unauthorized(reason: "the Authorization header must be 'Bearer <API key>'", error: "invalid_request"))
        }
        guard let principal = access().keys.authenticate(bearer.token) else {
            throw await refuse(Unauthorized(reason: "the API key is not valid", error: "invalid_token"))
        }
        return principal
    }

    func refuse(_ refusal: Unauthorized) async -> Unauthorized {
        await audit?.unauthenticated(refusal.reason)
        return refusal
    }
}

/// Lets a request without credentials through as the anonymous principal when the access
/// rules have one; otherwise answers 401 with the `WWW-Authenticate` challenge.
struct RequireCallerMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let audit: AuditTrail?
    let access: @Sendable () -> GatewayAccess

    // `@concurrent`, as Hummingbird's protocol (built without NonisolatedNonsendingByDefault) declares it.
    @concurrent
    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if context.identity == nil {
            guard let anonymous = access().anonymous else {
                let refusal = Unauthorized(reason: "this gateway needs an API key: send 'Authorization: Bearer <key>'", error: nil)
                await audit?.unauthenticated(refusal.reason)
                throw refusal
            }
            context.identity = anonymous
        }
        return try await next(request, context)
    }
}

/// A 401 (thrown; Hummingbird sends its response): a JSON-RPC error body clients can show,
/// and the challenge RFC 6750 asks for.
struct Unauthorized: HTTPResponseError {
    var reason: String
    /// The RFC 6750 error code, when the request carried a credential.
    var error: String?

    var status: HTTPResponse.Status { .unauthorized }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var challenge = "Bearer realm=\"switchboard\""
        if let error { challenge += ", error=\"\(error)\"" }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.wwwAuthenticate] = challenge
        let message = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: nil, error: JSONRPCError(code: -32001, message: reason)))
        return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.encoded())))
    }
}
