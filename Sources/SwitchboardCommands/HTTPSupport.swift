public import ArgumentParser
public import JSONCore
public import MCPClient
public import MCPServer
import MCPTransport
public import SwitchboardConfiguration
public import SwitchboardHub

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the command line can do over HTTP.
///
/// The `switchboard` binary is built without any HTTP code (no NIO, no AsyncHTTPClient, no
/// Hummingbird, no Foundation), so that a stdio call starts fast and stays small. When a
/// command needs HTTP (`--url`, an HTTP server in `--config`, `demo-server --http`), it hands
/// the whole command line to `switchboard-http`, its sibling binary, which provides this.
public protocol HTTPSupport: Sendable {
    /// Reaches every kind of endpoint, URLs included, signing in to `configuration`'s protected
    /// servers as their settings and `signIn` say.
    func connector(for configuration: SwitchboardConfiguration, signIn: SignInMode) -> any EndpointConnector

    /// Serves `server` over Streamable HTTP until stopped.
    func serve(
        _ server: Server,
        host: String,
        port: Int,
        responseMode: String,
        onListening: @escaping @Sendable (Int) async -> Void
    ) async throws

    /// Serves `hub`'s servers behind one authenticated MCP endpoint (`switchboard serve`) until
    /// SIGTERM or SIGINT. Throws, before listening, when the hub's `"gateway"` section cannot
    /// be used or would expose the servers without credentials.
    ///
    /// - Parameters:
    ///   - auditFile: the audit log (SQLite, made with its folder when missing); nil records nothing.
    ///   - metrics: the process's metrics in Prometheus's text format, for `/metrics`.
    ///   - onListening: told the bound port and who the access rules let in.
    func serveGateway(
        _ hub: Hub,
        host: String,
        port: Int,
        responseMode: String,
        auditFile: String?,
        metrics: @escaping @Sendable () -> [UInt8],
        onListening: @escaping @Sendable (_ port: Int, _ access: String) async -> Void
    ) async throws

    /// Serves the hub's servers over stdin and stdout (`switchboard serve --stdio`) until stdin
    /// closes.
    func serveGatewayOverStdio(_ hub: Hub, auditFile: String?) async throws

    /// Checks the hash chain of the audit log at `file`.
    func verifyAuditLog(file: String) throws -> AuditVerification

    /// The last `count` records of the audit log at `file`, oldest first, as JSON objects.
    func auditRecords(file: String, last count: Int) throws -> [JSONObject]

    /// A new gateway API key from the system's secure random source, and its SHA-256 (hex),
    /// which is what the configuration keeps (`keys create`; the hashing lives with the gateway).
    func newAPIKey() -> (key: String, sha256: String)

    /// Signing in to protected HTTP servers, and the sign-ins stored in `store`.
    func signIn(store: TokenStoreKind) -> any SignInSupport

    /// The Client ID Metadata Document to publish at `url` (pretty-printed JSON).
    func clientMetadataDocument(url: String, clientName: String) -> String
}

/// What `audit verify` found.
public struct AuditVerification: Sendable, Hashable {
    /// The first record that does not hold, and why.
    public struct Broken: Sendable, Hashable {
        public var sequence: Int64
        public var reason: String
    }

    /// How many records hold (all of them, when nothing is broken).
    public var count: Int64
    /// The last record's hash, when the chain is intact.
    public var head: String?
    public var broken: Broken?

    public static func intact(count: Int64, head: String) -> AuditVerification {
        AuditVerification(count: count, head: head, broken: nil)
    }

    public static func broken(sequence: Int64, reason: String) -> AuditVerification {
        AuditVerification(count: sequence - 1, head: nil, broken: Broken(sequence: sequence, reason: reason))
    }
}

/// What a command does when an HTTP server asks for a sign-in it does not have, or for more
/// scope than its sign-in has.
public enum SignInMode: String, Sendable, Hashable, CaseIterable, ExpressibleByArgument {
    /// Sign in there and then: open the browser (show the URL when none opens) and wait.
    case browser
    /// Sign in there and then: show the URL for someone to open, and wait.
    case url
    /// Fail, saying which `switchboard login` to run (exit 3).
    case never
}

/// Where a command's sign-in events go (`call --trace`): what token went where (as a
/// fingerprint, never the token), what the server refused, what was renewed.
///
/// A task-local holding a struct, not an optional closure (see ``CommandEnvironment/support``).
public struct AuthorizationTrace: Sendable {
    public var write: (@Sendable (String) -> Void)?

    public init(write: (@Sendable (String) -> Void)? = nil) {
        self.write = write
    }

    @TaskLocal public static var current = AuthorizationTrace()
}

/// One step of a sign-in's diagnosis: what was checked, and for the first that fails, the fix.
public struct SignInCheck: Sendable, Hashable {
    public var name: String
    public var passed: Bool
    public var detail: String
    public var hint: String?

    public init(name: String, passed: Bool, detail: String, hint: String?) {
        self.name = name
        self.passed = passed
        self.detail = detail
        self.hint = hint
    }
}

/// One stored sign-in, as `auth status` shows it: never a token.
public struct SignInStatus: Sendable {
    public var url: String
    public var name: String?
    public var issuer: String
    public var resource: String
    public var scopes: [String]?
    /// Seconds since 1970; nil when the server did not say.
    public var expiresAt: Double?
    public var refreshable: Bool

    public init(url: String, name: String?, issuer: String, resource: String, scopes: [String]?, expiresAt: Double?, refreshable: Bool) {
        self.url = url
        self.name = name
        self.issuer = issuer
        self.resource = resource
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.refreshable = refreshable
    }
}

/// What `login`, `logout` and `auth status` need (in `switchboard-http`: the authorization
/// flow, the loopback listener and the token store).
public protocol SignInSupport: Sendable {
    /// Signs in to the server at `url` as its `oauth` settings say, printing the authorization
    /// URL with `show` when the browser cannot be opened (or `openBrowser` is false), and
    /// progress with `progress`.
    func login(
        url: String,
        name: String?,
        scopes: [String]?,
        oauth: OAuthSettings?,
        openBrowser: Bool,
        allowPrivateNetworks: Bool,
        show: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> SignInStatus

    /// Forgets the tokens for `url`; false when there were none.
    func logout(url: String) async throws -> Bool

    /// Every stored sign-in.
    func status() async throws -> [SignInStatus]

    /// Where sign-ins are stored.
    var storeLocation: String { get }

    /// Why signing in to the server at `url` fails, step by step (`doctor`).
    func diagnose(url: String, name: String, oauth: OAuthSettings?) async -> [SignInCheck]
}

/// What the running binary adds to the command tree: HTTP and YAML in `switchboard-http`,
/// nothing in the lean `switchboard`.
public struct BinarySupport: Sendable {
    public var http: (any HTTPSupport)?
    /// The YAML reader (YAML parsing needs Foundation, which the lean binary leaves out).
    public var yaml: ConfigurationDocument.YAMLReader?

    public init(http: (any HTTPSupport)? = nil, yaml: ConfigurationDocument.YAMLReader? = nil) {
        self.http = http
        self.yaml = yaml
    }
}

/// Where the running binary's HTTP and YAML support comes from.
public enum CommandEnvironment {
    /// Set once by `switchboard-http`; empty in `switchboard`.
    ///
    /// One task-local holding a struct, never a task-local of a function type: Swift 6.3.1
    /// miscompiles `TaskLocal.withValue` specialized for an optional closure type in
    /// optimized builds (`swift_task_localValuePush` dereferences a null task), so a release
    /// `switchboard-http` died with SIGSEGV before doing anything. A closure inside a struct
    /// is not affected. The smoke check in `scripts/test` runs the release binaries to keep it
    /// that way.
    @TaskLocal public static var support = BinarySupport()

    static var http: (any HTTPSupport)? { support.http }

    /// This process's environment variables.
    public static var processEnvironment: [String: String] { Terminal.environment }
    static var yaml: ConfigurationDocument.YAMLReader? { support.yaml }

    /// The HTTP support, or — in the lean binary — the process replaced by `switchboard-http`
    /// with the same arguments. Never returns `nil`: it either has support or does not return.
    static func requireHTTP() throws -> any HTTPSupport {
        if let http { return http }
        try handOff(needing: "HTTP support")
    }

    /// The YAML reader, or — in the lean binary — the process replaced by `switchboard-http`.
    static func requireYAML() throws(ConfigurationProblem) -> ConfigurationDocument.YAMLReader {
        if let yaml { return yaml }
        do { try handOff(needing: "a YAML reader") } catch { throw ConfigurationProblem("\(error)") }
    }

    /// Replaces this process by `switchboard-http` with the same arguments; returns only by throwing.
    static func handOff(needing what: String) throws -> Never {
        let sibling = Terminal.executableDirectory + "/switchboard-http"
        guard access(sibling, X_OK) == 0 else {
            throw HandOffFailure(
                description: "this command needs \(what), which lives in \(sibling); build it with "
                    + "'swift build -c release' (all products) or 'swift build --product switchboard-http'"
            )
        }
        var arguments = CommandLine.arguments
        arguments[0] = sibling
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(sibling, &argv)
        let reason = String(cString: strerror(errno))
        for argument in argv { free(argument) }
        throw HandOffFailure(description: "could not start \(sibling): \(reason)")
    }
}

struct HandOffFailure: Error, CustomStringConvertible {
    var description: String
}
