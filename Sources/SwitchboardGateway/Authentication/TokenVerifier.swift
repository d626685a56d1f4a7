import AsyncHTTPClient
import JSONCore
import JWTKit
import NIOCore
import NIOHTTP1
public import SwitchboardConfiguration

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an authorization server's JWK set comes from.
public protocol KeySetSource: Sendable {
    /// The JWK set document, as JSON text.
    func load() async throws(TokenRejection) -> String
}

/// A JWK set fetched over HTTP(S) (`"jwks": URL`).
public struct URLKeySetSource: KeySetSource {
    public let url: String

    public init(url: String) {
        self.url = url
    }

    public func load() async throws(TokenRejection) -> String {
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw TokenRejection.keysUnavailable("\(url) answered \(response.status.code)") }
            return String(buffer: body)
        } catch let rejection as TokenRejection {
            throw rejection
        } catch {
            throw .keysUnavailable("\(url): \(error)")
        }
    }
}

/// A JWK set in a file (`"jwks": {"file": path}`).
public struct FileKeySetSource: KeySetSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func load() async throws(TokenRejection) -> String {
        do { return try TextFile.read(path) } catch { throw .keysUnavailable("\(path): \(error.reason)") }
    }
}

/// Verifies bearer tokens signed by the configured authorization server (`"gateway": {"jwt"}`)
/// and makes principals of them: the signature with jwt-kit, against the server's JWK set;
/// then the claims (``TokenClaims``).
///
/// The key set is read when the first token arrives and kept; a token naming a key it does
/// not have makes it read the set again (an authorization server rotating its keys), at most
/// once per ``minimumReload`` so that tokens with made-up key ids cannot make it fetch on
/// every request. Concurrent requests share one fetch.
public actor TokenVerifier {
    public let claims: TokenClaims
    let source: any KeySetSource
    let minimumReload: Duration
    let clock = ContinuousClock()
    var keys: LoadedKeys?
    /// When the set was last read (or failed to be).
    var lastLoad: ContinuousClock.Instant?
    /// When a token naming an unknown key last made it read the set again.
    var lastReload: ContinuousClock.Instant?
    var loading: Task<Result<LoadedKeys, TokenRejection>, Never>?

    /// The algorithms accepted: the two MCP's authorization guidance and most servers use.
    /// `none`, HMAC (a public key used as a shared secret) and the rest are refused up front.
    static let algorithms: Set<String> = ["RS256", "ES256"]

    public init(setting: GatewaySettings.JWTSetting, source: (any KeySetSource)? = nil, minimumReload: Duration = .seconds(10)) {
        claims = TokenClaims(setting: setting)
        self.source =
            source
            ?? {
                switch setting.keys {
                case .url(let url): URLKeySetSource(url: url)
                case .file(let path): FileKeySetSource(path: path)
                }
            }()
        self.minimumReload = minimumReload
    }

    /// Whether `credential` is a JWT rather than an API key: three dot-separated parts.
    public static func looksLikeJWT(_ credential: String) -> Bool {
        credential.utf8.count { $0 == UInt8(ascii: ".") } == 2 && !credential.hasPrefix(APIKey.prefix)
    }

    /// The principal `token` names, or why it is refused.
    ///
    /// - Parameter now: the time to check `exp` and `nbf` against (seconds since 1970); nil is now.
    public func verify(_ token: String, now: Double? = nil) async throws(TokenRejection) -> Principal {
        let now = now ?? Date().timeIntervalSince1970
        let bytes = Array(token.utf8)
        let header: JWTHeader
        do { header = try DefaultJWTParser().parse(bytes, as: RawClaims.self).header } catch {
            throw .malformed(Self.reason(error))
        }
        guard let algorithm = header.alg, Self.algorithms.contains(algorithm) else { throw .unsupportedAlgorithm(header.alg) }
        var current = try await keySet(reloading: false)
        if !Self.has(current, header.kid) {
            current = try await keySet(reloading: true)
            guard Self.has(current, header.kid) else { throw .unknownKey(header.kid) }
        }
        let payload: RawClaims
        do { payload = try await current.collection.verify(bytes, as: RawClaims.self) } catch let error as JWTError {
            switch error.errorType {
            case .signatureVerificationFailed: throw .badSignature
            case .unknownKID, .missingKIDHeader: throw .unknownKey(header.kid)
            default: throw .malformed(Self.reason(error))
            }
        } catch {
            throw .malformed(Self.reason(error))
        }
        return try claims.principal(from: payload.object, now: now)
    }

    /// Whether the set can check a token naming `kid` (one without a kid needs a set of one key).
    static func has(_ keys: LoadedKeys, _ kid: String?) -> Bool {
        guard let kid else { return keys.count == 1 }
        return keys.ids.contains(kid)
    }

    /// The key set, read now if there is none yet, or if `reloading` and no other reload
    /// happened within ``minimumReload``.
    func keySet(reloading: Bool) async throws(TokenRejection) -> LoadedKeys {
        if let keys {
            if !reloading { return keys }
            if loading != nil { return try await joinLoad() }
            if let lastReload, clock.now - lastReload < minimumReload { return keys }
            lastReload = clock.now
        } else if loading == nil, let lastLoad, clock.now - lastLoad < .seconds(1) {
            throw .keysUnavailable("the last attempt failed less than a second ago")
        }
        return try await joinLoad()
    }

    /// Waits for the read under way, or starts one.
    func joinLoad() async throws(TokenRejection) -> LoadedKeys {
        let task: Task<Result<LoadedKeys, TokenRejection>, Never>
        if let loading {
            task = loading
        } else {
            let source = self.source
            // Unstructured so that every request waiting for the set shares one fetch; it is
            // awaited right here and by every caller that arrives while it runs.
            task = Task { await Self.load(source) }
            loading = task
        }
        let result = await task.value
        if loading == task {
            loading = nil
            lastLoad = clock.now
            if case .success(let loaded) = result { keys = loaded }
        }
        return try result.get()
    }

    static func load(_ source: any KeySetSource) async -> Result<LoadedKeys, TokenRejection> {
        let text: String
        do { text = try await source.load() } catch { return .failure(error) }
        let set: JWKS
        do { set = try JSONDecoder().decode(JWKS.self, from: Data(text.utf8)) } catch {
            return .failure(.keysUnavailable("the key set is not a JWK set: \(reason(error))"))
        }
        let collection = JWTKeyCollection()
        var ids: Set<String> = []
        var count = 0
        for key in set.keys {
            // Keys for other uses (encryption) or algorithms are not for verifying our tokens.
            guard key.keyIdentifier != nil else { continue }
            do { try await collection.add(jwk: key) } catch { continue }
            if let id = key.keyIdentifier?.string { ids.insert(id) }
            count += 1
        }
        guard count > 0 else { return .failure(.keysUnavailable("the key set has no usable key (each needs a kid)")) }
        return .success(LoadedKeys(collection: collection, ids: ids, count: count))
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? JWTError { return error.reason ?? error.errorType.description }
        return "\(error)"
    }
}

/// A key set as read: jwt-kit's collection, and the key ids it holds.
struct LoadedKeys: Sendable {
    let collection: JWTKeyCollection
    let ids: Set<String>
    let count: Int
}

/// A token's payload as JSON, for ``TokenClaims`` to check (jwt-kit verifies the signature;
/// the claims are ours, so that each failure is a ``TokenRejection`` that says what is wrong).
struct RawClaims: JWTPayload {
    var object: JSONObject

    init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValue(from: decoder) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "the payload is not a JSON object"))
        }
        self.object = object
    }

    func encode(to encoder: any Encoder) throws {
        try JSONValue.object(object).encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
