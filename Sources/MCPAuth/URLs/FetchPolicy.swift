/// Which URLs discovery, registration and token requests may reach (the security best
/// practices' SSRF rules): `https`, or `http` to this machine; no address, written or
/// resolved, in a private, link-local or other reserved range unless the configuration allows
/// private networks; and at most a few redirects, each hop checked like the first.
public struct FetchPolicy: Sendable, Hashable {
    /// Whether private addresses (10/8, 172.16/12, 192.168/16, fc00::/7) may be reached.
    public var allowsPrivateNetworks: Bool
    public var maximumRedirects: Int
    /// The largest document read.
    public var maximumBodyBytes: Int

    public init(allowsPrivateNetworks: Bool = false, maximumRedirects: Int = 3, maximumBodyBytes: Int = 1 << 20) {
        precondition(maximumRedirects >= 0 && maximumBodyBytes > 0)
        self.allowsPrivateNetworks = allowsPrivateNetworks
        self.maximumRedirects = maximumRedirects
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Checks one URL (the first request or a redirect hop).
    public func check(_ text: String) throws(AuthError) -> AbsoluteURL {
        let url = try AbsoluteURL(text)
        guard url.fragment == nil || url.fragment == "" else {
            throw AuthError(.invalidURL, "\(text) has a fragment; it is not fetched")
        }
        guard url.isSecure else {
            throw AuthError(.invalidURL, "\(text) is plain http to another machine; authorization traffic goes over https only")
        }
        if let address = IPAddress(literal: url.host) { try check(resolved: [address], of: url) }
        return url
    }

    /// Checks the addresses the host of `url` (passed by ``check(_:)``) resolved to; every one
    /// must pass, since the connection may use any. Private, link-local and other reserved
    /// ranges are refused unless private networks are allowed; loopback only for a URL that
    /// names this machine, and a URL that names this machine must resolve to nothing else
    /// (plain http goes nowhere but here).
    public func check(resolved addresses: [IPAddress], of url: AbsoluteURL) throws(AuthError) {
        guard !addresses.isEmpty else { throw AuthError(.unreachable, "\(url.host) resolved to no address") }
        for address in addresses {
            switch address.range {
            case nil:
                if url.isLoopback && url.scheme != "https" {
                    throw AuthError(
                        .invalidURL,
                        "\(url) names this machine but \(url.host) resolves to \(address); plain http goes to this machine only"
                    )
                }
            case .loopback where url.isLoopback:
                continue
            case .some(let range):
                if allowsPrivateNetworks && range != .unspecified && range != .multicast { continue }
                let hint =
                    allowsPrivateNetworks ? "" : "; set \"allowPrivateNetworks\": true for this server if it is meant to reach its own network"
                throw AuthError(.invalidURL, "\(url) goes to \(address), a \(range.rawValue) address\(hint)")
            }
        }
    }
}
