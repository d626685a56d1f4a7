import MCPTransport
import NIOHTTP1

extension HTTPOptions {
    /// The headers every request carries: the configured ones and the bearer token.
    var httpHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in self.headers { headers.add(name: name, value: value) }
        if let token = bearerToken { headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)") }
        return headers
    }

    /// The ``HTTPAuthorization`` to ask, unless a fixed token or `Authorization` header wins.
    var dynamicAuthorization: (any HTTPAuthorization)? {
        guard bearerToken == nil, !headers.contains(where: { $0.name.lowercased() == "authorization" }) else { return nil }
        return authorization
    }

    /// ``httpHeaders`` with the dynamic authorization's current header, and that header.
    func authorizedHeaders() async throws(TransportError) -> (headers: HTTPHeaders, sent: String?) {
        var headers = httpHeaders
        guard let authorization = dynamicAuthorization, let value = try await authorization.header() else { return (headers, nil) }
        headers.replaceOrAdd(name: "Authorization", value: value)
        return (headers, value)
    }
}
