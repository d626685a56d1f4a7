import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What a browser does in the sign-in, done with an HTTP client: the user approves at once
/// (the fixture's authorization server needs no login), so following the authorization URL
/// yields the redirect to the client's callback.
enum Browser {
    /// The `Location` of the 302 that `url` answers with.
    static func redirect(from url: String) async throws -> String {
        let (status, headers, body) = try await get(url)
        guard status == 302, let location = headers.first(name: "location") else {
            throw Unexpected("\(url) answered \(status): \(body)")
        }
        return location
    }

    /// POSTs an empty JSON object to `url`; the status.
    static func post(_ url: String) async throws -> Int {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "{}"))
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            try? await client.shutdown()
            return Int(response.status.code)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// GETs `url` without following redirects: status, headers and body text.
    static func get(_ url: String) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 16)
            try? await client.shutdown()
            return (Int(response.status.code), response.headers, String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

struct Unexpected: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
