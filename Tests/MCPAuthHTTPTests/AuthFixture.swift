import Foundation
import JSONCore
import TestSupport

/// The Python SDK's authorization server code guarding a Streamable HTTP MCP server
/// (`Tests/Fixtures/python/auth_server.py`), on its own port and, when asked, with its
/// authorization servers on theirs; and what the fixture saw.
struct AuthFixture: Sendable {
    let peer: HTTPPeer
    /// The first authorization server's port, when it is not the MCP server's.
    let authorizationServerPort: Int?
    let secondAuthorizationServerPort: Int?

    var url: String { peer.url }
    var base: String { "http://127.0.0.1:\(peer.port)" }
    var authorizationServerOrigin: String { "http://127.0.0.1:\(authorizationServerPort ?? peer.port)" }
    var secondAuthorizationServerOrigin: String? { secondAuthorizationServerPort.map { "http://127.0.0.1:\($0)" } }

    /// Starts the fixture with `arguments`, the authorization server on a port of its own
    /// when `separate`, and a second one when `second`.
    static func start(_ arguments: [String] = [], separate: Bool = false, second: Bool = false) async throws -> AuthFixture {
        let asPort = separate ? try Network.freePort() : nil
        let secondPort = second ? try Network.freePort() : nil
        var extra: [String] = []
        if let asPort { extra += ["--as-port", String(asPort)] }
        if let secondPort { extra += ["--second-as-port", String(secondPort)] }
        let peer = try await HTTPPeer(Peers.python) { port in
            [Peers.pythonScript("auth_server.py"), "--port", String(port)] + extra + arguments
        }
        return AuthFixture(peer: peer, authorizationServerPort: asPort, secondAuthorizationServerPort: secondPort)
    }

    func stop() { peer.stop() }

    /// Runs `body` with a fixture started as ``start(_:separate:second:)`` says, stopped after.
    static func with<Result>(
        _ arguments: [String] = [],
        separate: Bool = false,
        second: Bool = false,
        _ body: (AuthFixture) async throws -> Result
    ) async throws -> Result {
        let fixture = try await start(arguments, separate: separate, second: second)
        defer { fixture.stop() }
        return try await body(fixture)
    }

    /// What happened: counts, and every request to an authorization server or to the
    /// protected resource metadata (`events`).
    func counts() async throws -> JSONObject {
        let (_, _, body) = try await Browser.get(base + "/counts")
        guard case .object(let counts) = try JSONValue(parsing: body) else { throw Unexpected("counts: \(body)") }
        return counts
    }

    /// The events of one kind (`authorize`, `register`, `token`, `metadata`, `metadata-miss`,
    /// `prm`, `client-lookup`, `cimd`), at one server (`as1`, `as2`, `rs`) or all.
    func events(_ kind: String, at server: String? = nil) async throws -> [JSONObject] {
        let all = try await counts()["events"]?.arrayValue ?? []
        return all.compactMap(\.objectValue).filter { event in
            event.string("kind") == kind && (server == nil || event.string("server") == server)
        }
    }

    /// POSTs to one of the fixture's controls (`/expire`, `/migrate`).
    func post(_ path: String) async throws {
        let status = try await Browser.post(base + path)
        guard status == 200 else { throw Unexpected("\(path): HTTP \(status)") }
    }
}

/// A switchboard command that signs in while it runs (`--sign-in url`), with the browser's part
/// done by an HTTP client for every sign-in URL it shows.
struct SigningInCommand {
    let arguments: [String]
    let environment: [String: String]

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        /// How many sign-in URLs the command showed (each followed and approved).
        var signIns: Int
    }

    func run() async throws -> Outcome {
        let process = ExternalProcess(Peers.switchboard, arguments, environment: environment)
        try process.start()
        defer { process.stop() }
        var followed = Set<String>()
        while process.process.isRunning {
            // Whole lines only: a line still being written is read on the next turn. `login`
            // shows the URL on stdout, other commands with their progress on stderr.
            let text = process.stdout + "\n" + process.stderr
            let complete = text.lastIndex(of: "\n").map { text[..<$0] } ?? ""
            let shown = complete.split(separator: "\n").filter { ($0.hasPrefix("http://") || $0.hasPrefix("https://")) && !$0.contains(" ") }
            for line in shown where !followed.contains(String(line)) {
                followed.insert(String(line))
                let callback = try await Browser.redirect(from: String(line))
                _ = try await Browser.get(callback)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = await process.wait()
        try await Task.sleep(for: .milliseconds(50))
        return Outcome(status: status, stdout: process.stdout, stderr: process.stderr, signIns: followed.count)
    }
}
