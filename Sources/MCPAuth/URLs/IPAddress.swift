#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address as its bytes, and the special-purpose range it falls in: what the
/// SSRF rules judge, once a host has been resolved. Addresses are read by `inet_pton` (a
/// literal) or come from `getaddrinfo` (a name) as bytes, never by picking a text apart, so
/// that octal, hexadecimal and short forms (`0x7f000001`, `0177.1`) and IPv4-mapped IPv6 are
/// judged as the address they are.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6).
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address has 4 or 16 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// The address a URL host writes literally (`10.0.0.1`, `[fd00::1]`), in the strict forms
    /// of `inet_pton` only; nil for a name (which has to be resolved).
    public init?(literal host: String) {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        // A zone (`fe80::1%eth0`) names an interface; the address is what is judged.
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: v6) { Array($0) })
            return
        }
        return nil
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The address as `inet_ntop` writes it (`10.0.0.1`, `fd00::1`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return bytes.withUnsafeBytes { raw in
            guard inet_ntop(isIPv4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The special-purpose ranges discovery must not reach unasked (RFC 9728 §7.7, RFC 6890).
    public enum Range: String, Sendable, Hashable {
        case loopback
        case privateNetwork = "private"
        case linkLocal = "link-local"
        case unspecified
        case sharedAddressSpace = "shared (carrier-grade NAT)"
        case multicast
        case reserved
    }

    /// The range the address is in; nil for a global address.
    public var range: Range? {
        if isIPv4 { return Self.range(ipv4: bytes) }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b.dropLast().allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96), NAT64 (64:ff9b::/96): the
        // IPv4 address inside is where the packets go.
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Self.range(ipv4: Array(b[12...])) }
        if b[0..<12].allSatisfy({ $0 == 0 }) { return Self.range(ipv4: Array(b[12...])) }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return Self.range(ipv4: Array(b[12...]))
        }
        // 6to4 (2002::/16) carries its IPv4 relay address in bytes 2-5.
        if b[0] == 0x20 && b[1] == 0x02 { return Self.range(ipv4: Array(b[2..<6])) }
        if b[0] & 0xfe == 0xfc { return .privateNetwork }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .privateNetwork }  // site-local, deprecated but routed inside sites
        if b[0] == 0xff { return .multicast }
        return nil
    }

    static func range(ipv4 b: [UInt8]) -> Range? {
        switch (b[0], b[1]) {
        case (0, _): return .unspecified
        case (10, _), (172, 16...31), (192, 168): return .privateNetwork
        case (100, 64...127): return .sharedAddressSpace
        case (127, _): return .loopback
        case (169, 254): return .linkLocal
        case (192, 0) where b[2] == 0: return .reserved  // IETF protocol assignments
        case (198, 18...19): return .reserved  // benchmarking
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        default: return nil
        }
    }
}
