import MCPAuth
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Resolves a host name to its addresses with the system resolver (`getaddrinfo`, as a
/// connection would), on NIO's blocking-I/O thread pool rather than a thread of the
/// cooperative pool.
enum HostResolution {
    static func addresses(of host: String) async throws(AuthError) -> [IPAddress] {
        let outcome: Result<[IPAddress], AuthError>
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive { lookUp(host) }
        } catch {
            throw AuthError(.unreachable, "\(host) could not be resolved: \(error)")
        }
        return try outcome.get()
    }

    private static func lookUp(_ host: String) -> Result<[IPAddress], AuthError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            return .failure(AuthError(.unreachable, "\(host) could not be resolved: \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if let socket = current.pointee.ai_addr {
                switch Int32(socket.pointee.sa_family) {
                case AF_INET:
                    let v4 = UnsafeRawPointer(socket).load(as: sockaddr_in.self)
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: v4.sin_addr) { Array($0) }))
                case AF_INET6:
                    let v6 = UnsafeRawPointer(socket).load(as: sockaddr_in6.self)
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: v6.sin6_addr) { Array($0) }))
                default:
                    break
                }
            }
            entry = current.pointee.ai_next
        }
        var unique: [IPAddress] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        return .success(unique)
    }
}
