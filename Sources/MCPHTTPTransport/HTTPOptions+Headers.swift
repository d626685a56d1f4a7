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
}
