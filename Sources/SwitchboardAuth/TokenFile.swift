import JSONCore
public import MCPAuth
import SwitchboardConfiguration

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The token store as a file only its owner can read: `tokens.json` under
/// `$XDG_CONFIG_HOME/switchboard/` (else `~/.config/switchboard/`), written whole through a
/// temporary file and a rename, with changes made under a ``CrossProcessLock`` on a lock file
/// beside it, so that processes sharing it never lose each other's sign-ins.
public struct TokenFile: TokenStorage {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/switchboard/tokens.json`, else `$HOME/.config/switchboard/tokens.json`.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/switchboard/tokens.json" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/switchboard/tokens.json"
    }

    public func load() async throws(AuthError) -> StoredAuthorizations {
        try read()
    }

    public func update<Result: Sendable>(
        _ body: (inout StoredAuthorizations) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result {
        try await CrossProcessLock(path: path + ".lock").withLock { () async throws(AuthError) -> Result in
            var stored = try read()
            let before = stored
            let result = try await body(&stored)
            if stored != before {
                let text = stored.json.serializedString(options: .prettyPrinted) + "\n"
                do { try TextFile.write(text, to: path, permissions: 0o600) } catch {
                    throw AuthError(.malformedStore, "cannot write the token store: \(error)")
                }
            }
            return result
        }
    }

    /// What the file holds; nothing when it does not exist. A file others can read is refused:
    /// its tokens may have been seen, and using them would hide that.
    func read() throws(AuthError) -> StoredAuthorizations {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return StoredAuthorizations() }
            throw failure("cannot read the token store \(path)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AuthError(
                .malformedStore,
                "the token store \(path) can be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)` if nobody else could have read it, else `switchboard logout` and sign in again"
            )
        }
        let text: String
        do { text = try TextFile.read(path) } catch {
            throw AuthError(.malformedStore, "cannot read the token store: \(error)")
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: Array(text.utf8)) } catch {
            throw AuthError(.malformedStore, "the token store \(path) is not JSON (\(error)); move it away to start over")
        }
        do { return try StoredAuthorizations(json: json) } catch {
            throw AuthError(.malformedStore, "\(path): \(error.message); move it away to start over")
        }
    }

    private func failure(_ what: String) -> AuthError { CrossProcessLock.failure(what) }
}
