/// Which URLs discovery, registration and token requests may reach (the security best
/// practices' SSRF rules): `https`, or `http` to this machine; no literal address in a private,
/// link-local or unspecified range unless the configuration allows private networks; and at
/// most a few redirects, each hop checked like the first.
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
        if !allowsPrivateNetworks, !url.isLoopback, let range = Self.reservedRange(of: url.host) {
            throw AuthError(
                .invalidURL,
                "\(text) is in a \(range) address range; set \"allowPrivateNetworks\": true for this server to allow it"
            )
        }
        return url
    }

    /// The kind of range a literal address is in, if it is one that must not be reached from
    /// discovery: private, link-local (cloud metadata services live there), or unspecified.
    static func reservedRange(of host: String) -> String? {
        let host = host.lowercased()
        if host.hasPrefix("[") {
            let address = host.dropFirst().prefix { $0 != "]" }
            if address == "::" { return "unspecified" }
            if address.hasPrefix("fe8") || address.hasPrefix("fe9") || address.hasPrefix("fea") || address.hasPrefix("feb") { return "link-local" }
            if address.hasPrefix("fc") || address.hasPrefix("fd") { return "private" }
            if address.hasPrefix("::ffff:") { return reservedRange(of: String(address.dropFirst(7))) }
            return nil
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4, host.split(separator: ".", omittingEmptySubsequences: false).count == 4 else { return nil }
        switch (octets[0], octets[1]) {
        case (10, _), (172, 16...31), (192, 168): return "private"
        case (169, 254): return "link-local"
        case (0, _): return "unspecified"
        case (100, 64...127): return "shared (carrier-grade NAT)"
        default: return nil
        }
    }
}
