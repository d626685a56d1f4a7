/// Why signing in to a protected server failed: a code to switch on, and a message that says
/// what went wrong and, where there is one, what to do about it.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A URL that is not an absolute `http`/`https` URL, or that the step does not allow.
        case invalidURL
        /// A value that does not have the form its standard gives it (a PKCE verifier, say).
        case invalidValue
        /// A `WWW-Authenticate` header that does not follow RFC 7235.
        case malformedChallenge
        /// A metadata document that is not JSON, or lacks what it must hold.
        case malformedMetadata
        /// The protected resource metadata names another resource than the server.
        case resourceMismatch
        /// Authorization server metadata whose `issuer` is not the issuer it was fetched for.
        case issuerMismatch
        /// The authorization server does not advertise PKCE with S256.
        case pkceUnsupported
        /// An authorization response whose `state` is missing or not the one sent.
        case stateMismatch
        /// An authorization response whose `iss` is missing or not the recorded issuer (RFC 9207).
        case authorizationResponseIssuer
        /// The authorization server answered the authorization request with an error.
        case authorizationDenied
        /// A discovery, registration or token request could not be sent or got no answer.
        case unreachable
        /// The authorization server refused a registration or token request.
        case tokenRequestFailed
        /// No way to obtain a client ID for this authorization server.
        case registrationUnavailable
        /// More step-up authorizations for one operation than the limit.
        case stepUpLimit
        /// The token store cannot be read or written, or holds something unreadable.
        case malformedStore
        /// The token store cannot be reached at all (no Secret Service running, its collection
        /// locked, `secret-tool` not installed).
        case storeUnavailable
        /// There is no sign-in for the server, or it can no longer be renewed: someone has to
        /// sign in (`switchboard login NAME`).
        case signInRequired
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
