import MCPAuth
import SwitchboardConfiguration

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive lock shared by every process on the machine: `flock` on a lock file, taken
/// for the length of one body. Token stores change under it, so that processes sharing one
/// (commands, the hub's replicas) never lose each other's sign-ins.
struct CrossProcessLock: Sendable {
    /// The lock file; made (0600, folders 0700) when missing.
    let path: String

    func withLock<Result: Sendable>(_ body: () async throws(AuthError) -> Result) async throws(AuthError) -> Result {
        try Self.createDirectory(TextFile.directory(of: path))
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("cannot open the lock file \(path)") }
        defer { close(descriptor) }
        // Polled rather than blocking, so that a wait for another process never holds a thread
        // of the cooperative pool.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw Self.failure("cannot lock \(path)") }
            try? await Task.sleep(for: .milliseconds(20))
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await body()
    }

    /// Makes `directory` and its parents, readable only by their owner.
    static func createDirectory(_ directory: String) throws(AuthError) {
        var partial = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o700) != 0, errno != EEXIST {
                throw failure("cannot create \(partial)")
            }
        }
    }

    /// A store failure naming `what` and the system's reason.
    static func failure(_ what: String) -> AuthError {
        AuthError(.malformedStore, "\(what): \(String(cString: strerror(errno)))")
    }
}
