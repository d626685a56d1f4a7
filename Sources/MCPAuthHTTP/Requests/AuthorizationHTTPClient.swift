import AsyncHTTPClient
public import MCPAuth
import MCPHTTPTransport
import MCPTransport
import NIOCore
import NIOHTTP1

/// The HTTP requests of the authorization flow (metadata, registration, tokens), each URL and
/// each redirect hop checked by a ``FetchPolicy`` before anything is sent. Redirects are
/// followed here, not by AsyncHTTPClient, so that every hop is checked; a POST is never
/// redirected.
public final class AuthorizationHTTPClient: Sendable {
    /// One answer, its body read whole (up to the policy's limit).
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// The URL that answered, after redirects.
        public var url: String

        public func header(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }
    }

    public let policy: FetchPolicy
    /// For URLs that write their address, or name this machine.
    private let client: HTTPClient
    private let configuration: HTTPClient.Configuration
    private let timeout: Duration

    public init(policy: FetchPolicy = FetchPolicy(), timeout: Duration = .seconds(30)) {
        self.policy = policy
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        self.configuration = configuration
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Stops the client; call once when done.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// A GET that follows up to ``FetchPolicy/maximumRedirects`` redirects, each checked.
    public func get(_ url: String, headers: [(name: String, value: String)] = []) async throws(AuthError) -> Answer {
        var current = url
        var hops = 0
        while true {
            let answer = try await send(method: .GET, url: current, headers: headers, body: nil)
            guard [301, 302, 303, 307, 308].contains(answer.status), let location = answer.header("location").first else { return answer }
            hops += 1
            guard hops <= policy.maximumRedirects else {
                throw AuthError(.invalidURL, "\(url) redirected more than \(policy.maximumRedirects) times; not followed further")
            }
            // Every hop is checked by the policy when it is sent; HTTPURL only joins the reference.
            guard let base = HTTPURL(current) else { throw AuthError(.invalidURL, "\(current) is not an http(s) URL") }
            current = location.hasPrefix("//") ? base.scheme + ":" + location : base.resolving(location)
        }
    }

    /// A POST of a form (`application/x-www-form-urlencoded`), not redirected.
    public func postForm(
        _ url: String,
        fields: [(name: String, value: String)],
        headers: [(name: String, value: String)] = []
    ) async throws(AuthError)
        -> Answer
    {
        let body = Array(FormEncoding.encode(fields).utf8)
        return try await send(method: .POST, url: url, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")], body: body)
    }

    /// A POST of a JSON body, not redirected.
    public func postJSON(_ url: String, body: [UInt8], headers: [(name: String, value: String)] = []) async throws(AuthError) -> Answer {
        try await send(method: .POST, url: url, headers: headers + [("Content-Type", "application/json")], body: body)
    }

    private func send(method: HTTPMethod, url: String, headers: [(name: String, value: String)], body: [UInt8]?) async throws(AuthError) -> Answer {
        let checked = try policy.check(url)
        // A name is resolved and its addresses checked here, then the connection is made to the
        // address checked, so that a second lookup (DNS rebinding) cannot send it elsewhere.
        // A name of this machine (`localhost`) is left to the connection once all its
        // addresses are checked to be this machine's: the connection tries each, as a server
        // may listen on one family only.
        let host = checked.host.hasPrefix("[") ? String(checked.host.dropFirst().dropLast()) : checked.host
        guard IPAddress(literal: host) == nil else {
            return try await send(method: method, url: url, headers: headers, body: body, with: client)
        }
        let addresses = try await HostResolution.addresses(of: host)
        try policy.check(resolved: addresses, of: checked)
        if checked.isLoopback { return try await send(method: method, url: url, headers: headers, body: body, with: client) }
        // IPv4 first where there is one: reachable on more networks than IPv6.
        let target = addresses.first(where: \.isIPv4) ?? addresses[0]
        var configuration = self.configuration
        configuration.dnsOverride = [host: target.description, host.lowercased(): target.description]
        let pinned = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let answer: Result<Answer, AuthError>
        do { answer = .success(try await send(method: method, url: url, headers: headers, body: body, with: pinned)) } catch {
            answer = .failure(error)
        }
        try? await pinned.shutdown()
        return try answer.get()
    }

    private func send(
        method: HTTPMethod,
        url: String,
        headers: [(name: String, value: String)],
        body: [UInt8]?,
        with client: HTTPClient
    ) async throws(AuthError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let limit = policy.maximumBodyBytes
            var buffer = try await response.body.collect(upTo: limit)
            return Answer(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: buffer.readBytes(length: buffer.readableBytes) ?? [],
                url: url
            )
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw AuthError(.malformedMetadata, "\(url) answered with more than \(policy.maximumBodyBytes) bytes")
        } catch {
            throw AuthError(.unreachable, "\(url) could not be reached: \(HTTPFailure.describe(error))")
        }
    }
}
