import AsyncHTTPClient
import Crypto
import Foundation
import JSONCore
import MCPClient
import MCPHTTPTransport
import MCPTransport
import MCPWire
import NIOCore
import NIOHTTP1
import SwitchboardAudit
import SwitchboardGateway
import TestSupport
import Testing

/// `switchboard serve` as users run it (the release binary, handing off to `switchboard-http`),
/// in front of the demo server over stdio, with two API keys: alice (admin) and bob (reader).
struct GatewayPeer {
    let alice = APIKey.generate()
    let bob = APIKey.generate()

    /// The virtual servers every test gateway has.
    static let virtualServers = #"""
        "virtualServers": {"math": {"tools": ["demo__add", "demo__echo", "demo__increment"]}, "greetings": {"resources": ["demo://greeting/*"]}},
        """#

    func configuration(extraKey: APIKey? = nil, virtualServers: String = GatewayPeer.virtualServers) -> String {
        let extra = extraKey.map { #", {"name": "carol", "key": {"sha256": "\#($0.digest)"}, "roles": ["reader"]}"# } ?? ""
        return """
            {"mcpServers": {"demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]}},
             "gateway": {\(virtualServers)
               "apiKeys": [{"name": "alice", "key": {"sha256": "\(alice.digest)"}, "roles": ["admin"]},
                           {"name": "bob", "key": {"sha256": "\(bob.digest)"}, "roles": ["reader"]}\(extra)],
               "roles": {"admin": {"tools": ["*"], "resources": ["*"], "prompts": ["*"]},
                         "reader": {"tools": ["demo__*"], "resources": ["demo://greeting/*"], "prompts": ["demo__*"],
                                    "deny": {"tools": ["demo__increment", "demo__confirm_action"]}}}}}
            """
    }

    /// Runs the gateway over this configuration for `body`, then stops it (SIGTERM).
    func run(_ body: (_ url: String, _ file: String) async throws -> Void) async throws {
        try await run { url, file, _ in try await body(url, file) }
    }

    /// The same, telling `body` where the audit log is.
    func run(_ body: (_ url: String, _ file: String, _ audit: String) async throws -> Void) async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: ["gateway.json": configuration()]) { folder in
            let file = folder + "/gateway.json"
            let audit = folder + "/state/audit.sqlite"
            let peer = try await HTTPPeer(Peers.switchboard) { port in
                ["serve", "--config", file, "--port", String(port), "--data", folder + "/state"]
            }
            defer { peer.stop() }
            try await body(peer.url, file, audit)
        }
    }

    static func session<Result: Sendable>(
        _ url: String,
        key: APIKey?,
        version: ProtocolVersion? = nil,
        _ body: (ClientSession) async throws -> Result
    ) async throws -> Result {
        let transport = try StreamableHTTPTransport(url: url, options: HTTPOptions(bearerToken: key?.text))
        return try await ClientSession.withSession(
            transport: transport,
            configuration: ClientConfiguration(pinnedVersion: version, defaultTimeout: .seconds(30)),
            body
        )
    }
}

extension SHA256.Digest {
    var hexDigest: String { map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
}

/// One POST of a JSON-RPC message to the gateway, as a client library would send it.
func post(_ url: String, key: APIKey?, session: String? = nil, _ body: String) async throws -> (status: Int, session: String?, body: String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "Accept", value: "application/json, text/event-stream")
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key.text)") }
    if let session { request.headers.add(name: "Mcp-Session-Id", value: session) }
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), response.headers.first(name: "Mcp-Session-Id"), String(buffer: bytes))
}

@Suite("Gateway: switchboard serve with API keys and roles", .serialized)
struct GatewayServeTests {
    static let eras: [ProtocolVersion?] = [nil, .v2025_11_25, .v2025_03_26]

    @Test("each key sees and uses what its roles allow, in every era; what a role hides is not there for it", arguments: eras)
    func roles(version: ProtocolVersion?) async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _ in
            try await GatewayPeer.session(url, key: gateway.alice, version: version) { session in
                #expect(session.serverInfo?.name == "switchboard-gateway")
                let names = Set(try await session.allTools().map(\.name))
                #expect(names.isSuperset(of: ["demo__echo", "demo__add", "demo__increment", "demo__confirm_action"]), "\(names)")
                let counter = try await session.callTool("demo__increment", arguments: ["by": 2])
                #expect(!counter.isError, "\(counter.text)")
                #expect(try await session.readResource("demo://counter").contents.isEmpty == false)
            }
            try await GatewayPeer.session(url, key: gateway.bob, version: version) { session in
                let names = Set(try await session.allTools().map(\.name))
                #expect(names.contains("demo__echo") && names.contains("demo__add"))
                #expect(!names.contains("demo__increment") && !names.contains("demo__confirm_action"), "\(names)")
                #expect(try await session.callTool("demo__add", arguments: ["a": 2, "b": 3]).structuredContent == ["sum": 5])
                // Hidden and unknown alike: refused by the gateway, the demo server never asked.
                let options = RequestOptions(validateArguments: false)
                for name in ["demo__increment", "demo__nonesuch"] {
                    let error = await #expect(throws: MCPError.self) { try await session.callTool(name, arguments: ["by": 1], options: options) }
                    #expect(error?.code == .serverError)
                    #expect(error?.rpcError?.message.contains("no tool \"\(name)\" is available to bob") == true, "\(String(describing: error))")
                }
                let resources = try await session.allResources().map(\.uri)
                #expect(!resources.contains("demo://counter"), "\(resources)")
                #expect(try await session.readResource("demo://greeting/Bob").contents.first?.text == "Hello, Bob!")
                await #expect(throws: MCPError.self) { try await session.readResource("demo://counter") }
                let prompt = try await session.getPrompt("demo__summarize", arguments: ["text": "abc"])
                #expect(prompt.messages.isEmpty == false)
            }
        }
    }

    @Test("no key, a wrong key, or a malformed header: 401 with a Bearer challenge, and nothing reaches a server")
    func unauthenticated() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _ in
            let ping = #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#
            for key in [nil, APIKey.generate()] {
                let answer = try await post(url, key: key, ping)
                #expect(answer.status == 401, "\(answer)")
                #expect(answer.body.contains(key == nil ? "needs an API key" : "not valid"), "\(answer.body)")
            }
            let error = await #expect(throws: MCPError.self) {
                try await GatewayPeer.session(url, key: APIKey.generate()) { session in try await session.allTools() }
            }
            #expect(error?.code == .authorizationRequired, "\(String(describing: error))")
            // The challenge header is there for clients that look for it.
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Basic YWxpY2U6cHc=")
            request.body = .bytes(ByteBuffer(string: ping))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 401)
            #expect(response.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer realm=\"switchboard\"") == true)
        }
    }

    @Test("a legacy session belongs to the key that opened it: another key naming it gets 404")
    func sessionBinding() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _ in
            let initialize = #"""
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
                """#
            let opened = try await post(url, key: gateway.alice, initialize)
            #expect(opened.status == 200, "\(opened)")
            let id = try #require(opened.session)
            let list = #"{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}"#
            let stolen = try await post(url, key: gateway.bob, session: id, list)
            #expect(stolen.status == 404, "\(stolen)")
            let own = try await post(url, key: gateway.alice, session: id, list)
            #expect(own.status == 200 && own.body.contains("demo__increment"), "\(own)")
        }
    }

    @Test("HTTP+SSE: the stream's endpoint event names where to POST; the session belongs to its key (another gets 404), answers come on the stream")
    func sseSessionBinding() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _ in
            let base = url.replacingOccurrences(of: "/mcp", with: "")
            var open = HTTPClientRequest(url: base + "/sse")
            open.headers.add(name: "Authorization", value: "Bearer \(gateway.alice.text)")
            open.headers.add(name: "Accept", value: "text/event-stream")
            let stream = try await HTTPClient.shared.execute(open, timeout: .seconds(30))
            #expect(stream.status == .ok)
            var events = stream.body.makeAsyncIterator()
            var received = ""
            while !received.contains("\n\n"), let chunk = try await events.next() { received += String(buffer: chunk) }
            #expect(received.hasPrefix("event: endpoint\ndata: /messages?sessionId="), "\(received)")
            let path = try #require(received.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
            let initialize = #"""
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
                """#
            #expect(try await post(base + path, key: gateway.bob, initialize).status == 404, "bob may not use alice's session")
            #expect(try await post(base + path, key: gateway.alice, initialize).status == 202)
            received = ""
            while !received.contains("\n\n"), let chunk = try await events.next() { received += String(buffer: chunk) }
            #expect(received.contains(#""protocolVersion":"2024-11-05""#) && received.contains("switchboard-gateway"), "\(received)")
            #expect(try await post(base + "/messages?sessionId=nonesuch", key: gateway.alice, initialize).status == 404)
        }
    }

    @Test("virtual servers: /mcp/<name> serves its subset, the caller's roles on top, in both eras; they come and go with the file")
    func virtualServers() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, file in
            for version in [nil, ProtocolVersion.v2025_11_25] {
                let adminTools = try await GatewayPeer.session(url + "/math", key: gateway.alice, version: version) { session in
                    #expect(session.serverInfo?.name == "switchboard-gateway/math")
                    let names = try await session.allTools().map(\.name).sorted()
                    #expect(try await session.allResources().isEmpty, "math has no resources")
                    _ = try await session.callTool("demo__add", arguments: ["a": 1, "b": 1])
                    let error = await #expect(throws: MCPError.self) {
                        try await session.callTool("demo__fail", arguments: [:], options: RequestOptions(validateArguments: false))
                    }
                    #expect(error?.rpcError?.message.contains("no tool \"demo__fail\" is available to alice") == true, "\(String(describing: error))")
                    return names
                }
                #expect(adminTools == ["demo__add", "demo__echo", "demo__increment"])
                // bob's role denies increment: the subset does not give it back.
                let readerTools = try await GatewayPeer.session(url + "/math", key: gateway.bob, version: version) { session in
                    try await session.allTools().map(\.name).sorted()
                }
                #expect(readerTools == ["demo__add", "demo__echo"])
            }
            let greetings = try await GatewayPeer.session(url + "/greetings", key: gateway.bob) { session in
                (try await session.allTools().count, try await session.readResource("demo://greeting/Virtual").contents.first?.text)
            }
            #expect(greetings.0 == 0 && greetings.1 == "Hello, Virtual!")
            let discover = #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#
            #expect(try await post(url + "/nonesuch", key: gateway.alice, discover).status == 404)
            #expect(try await post(url + "/math", key: nil, discover).status == 401, "a virtual server needs a key like the rest")

            let counter = #""virtualServers": {"counter": {"tools": ["demo__increment"]}},"#
            try gateway.configuration(virtualServers: counter).write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await eventually { try await post(url + "/counter", key: gateway.alice, discover).status == 200 })
            #expect(try await post(url + "/math", key: gateway.alice, discover).status == 404, "removed from the file")
        }
    }

    @Test("a key added to the file works without a restart; a removed one stops working")
    func reload() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, file in
            let carol = APIKey.generate()
            let discover = #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#
            #expect(try await post(url, key: carol, discover).status == 401)
            try gateway.configuration(extraKey: carol).write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await eventually { try await post(url, key: carol, discover).status == 200 })
            try gateway.configuration().write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await eventually { try await post(url, key: carol, discover).status == 401 })
            #expect(try await post(url, key: gateway.bob, discover).status == 200)
        }
    }

    @Test(
        "an upstream that dies mid-call: its destructive call ran once, the client gets a typed error, the session goes on, and the server comes back"
    )
    func upstreamDies() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let counts = folder + "/executions"
            let text = """
                {"mcpServers": {
                  "demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]},
                  "chaos": {"command": "\(Peers.switchboard)", "args": ["demo-server", "--chaos", "--count-file", "\(counts)"]}}}
                """
            try text.write(toFile: folder + "/open.json", atomically: true, encoding: .utf8)
            // No "gateway" section: open, on loopback only.
            let peer = try await HTTPPeer(Peers.switchboard) { port in
                ["serve", "--config", folder + "/open.json", "--port", String(port), "--data", folder + "/state"]
            }
            defer { peer.stop() }
            try await GatewayPeer.session(peer.url, key: nil) { session in
                _ = try await session.callTool("chaos__chaos", arguments: ["mode": "crash", "count": 1])
                let error = await #expect(throws: MCPError.self) {
                    try await session.callTool("chaos__write_record", arguments: ["key": "k", "value": "v"])
                }
                #expect(error?.code == .serverError, "\(String(describing: error))")
                #expect(error?.rpcError?.code == ErrorCode.internalError)
                #expect(error?.rpcError?.data?["reason"]?.stringValue != nil, "\(String(describing: error?.rpcError))")
                // The other server is untouched, in the same session.
                #expect(try await session.callTool("demo__add", arguments: ["a": 1, "b": 2]).structuredContent == ["sum": 3])
                // The gateway restarts the server; its tools work again, and the destructive call
                // that reached it was never repeated (the count file outlives the process).
                #expect(
                    try await eventually {
                        (try? await session.callTool("chaos__lookup", arguments: ["key": "k"]))?.isError == false
                    }
                )
                let executions = try await session.callTool("chaos__executions").structuredContent
                #expect(executions?["write_record"] == 1, "\(String(describing: executions))")
            }
        }
    }

    @Test("the audit log holds every call, refusal and failed credential, who and how it ended, in an intact chain")
    func audit() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _, audit in
            try await GatewayPeer.session(url, key: gateway.bob) { session in
                _ = try await session.callTool("demo__add", arguments: ["a": 1, "b": 2])
                _ = try await session.callTool("demo__fail")
                _ = try? await session.callTool("demo__increment", arguments: ["by": 1], options: RequestOptions(validateArguments: false))
                _ = try await session.readResource("demo://greeting/Audit")
            }
            _ = try await post(url, key: APIKey.generate(), #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#)
            try await GatewayPeer.session(url, key: gateway.alice) { session in
                _ = try await session.getPrompt("demo__summarize", arguments: ["text": "x"])
            }
            let log = try AuditLog(path: audit)
            let records = try log.tail(100)
            let seen = records.map { [$0.event.principal, $0.event.action, $0.event.target ?? "", $0.event.outcome.rawValue] }
            #expect(
                seen == [
                    ["bob", "tools/call", "demo__add", "ok"],
                    ["bob", "tools/call", "demo__fail", "tool_error"],
                    ["bob", "tools/call", "demo__increment", "denied"],
                    ["bob", "resources/read", "demo://greeting/Audit", "ok"],
                    ["-", "authenticate", "", "unauthenticated"],
                    ["alice", "prompts/get", "demo__summarize", "ok"],
                ],
                "\(seen)"
            )
            #expect(records.allSatisfy { $0.event.authentication == ($0.event.principal == "-" ? "-" : "api-key") })
            // Where each came from, where it went, and what it carried (as a digest of canonical JSON).
            #expect(records.allSatisfy { $0.event.client == "127.0.0.1" }, "\(records.map(\.event.client))")
            #expect(
                records.map(\.event.server) == ["demo", "demo", "demo", nil, nil, "demo"],
                "a hidden tool's server too: the log is the operator's"
            )
            #expect(records[0].event.argumentsSHA256 == SHA256.hash(data: Array(#"{"a":1,"b":2}"#.utf8)).hexDigest)
            #expect(records[5].event.argumentsSHA256 == SHA256.hash(data: Array(#"{"text":"x"}"#.utf8)).hexDigest)
            #expect(records[3].event.argumentsSHA256 == nil && records[3].event.requestID != nil)
            #expect(records[2].event.detail?.contains("no tool \"demo__increment\" is available to bob") == true)
            #expect(try log.verify() == .intact(count: 6, head: records[5].hash))

            // A request with a W3C traceparent: its trace id and JSON-RPC id are on its record.
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in [
                ("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"),
                ("Authorization", "Bearer \(gateway.bob.text)"), ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "demo__echo"),
            ] {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(
                ByteBuffer(
                    string: #"""
                        {"jsonrpc": "2.0", "id": "trace-77", "method": "tools/call", "params": {"name": "demo__echo", "arguments": {"text": "t"},
                         "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}
                        """#
                )
            )
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            let traced = try #require(try log.tail(1).first?.event)
            #expect(
                traced.target == "demo__echo" && traced.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && traced.requestID == #""trace-77""#,
                "\(traced)"
            )
        }
    }

    @Test("calls fail closed while the audit log cannot be written, and go ahead again once it can; a refused call never runs")
    func auditUnwritable() async throws {
        try Peers.require(Peers.python)
        let gateway = GatewayPeer()
        try await gateway.run { url, _, audit in
            try await GatewayPeer.session(url, key: gateway.alice) { session in
                _ = try await session.callTool("demo__add", arguments: ["a": 1, "b": 1])
                // Another process holds the database's write lock past the log's busy timeout.
                let locker = ExternalProcess(
                    Peers.python,
                    [
                        "-c",
                        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(3600)",
                        audit,
                    ]
                )
                try locker.start()
                defer { locker.stop() }
                #expect(try await eventually { locker.stdout.contains("locked") }, "\(locker.stderr)")
                // The call in flight when writing fails still answers (its record goes to stderr)...
                #expect(try await session.callTool("demo__add", arguments: ["a": 2, "b": 2]).structuredContent == ["sum": 4])
                // ...and the next is refused, saying why, without reaching the server.
                let options = RequestOptions(timeout: .seconds(120))
                let error = await #expect(throws: MCPError.self) {
                    try await session.callTool("demo__increment", arguments: ["by": 1], options: options)
                }
                #expect(error?.rpcError?.message.contains("audit log") == true, "\(String(describing: error))")
                #expect(error?.rpcError?.data?["reason"] == "auditUnavailable")
                // Readiness says so, for the load balancer to send calls elsewhere.
                let readiness = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: url.replacing("/mcp", with: "/readyz")),
                    timeout: .seconds(30)
                )
                #expect(readiness.status.code == 503)
                #expect(String(buffer: try await readiness.body.collect(upTo: 1 << 16)).contains(#""audit":"failing""#))
                locker.stop()
                _ = await locker.wait()
                let counter = try await session.callTool("demo__increment", arguments: ["by": 1], options: options)
                #expect(counter.structuredContent == ["value": 1], "the refused increment never ran")
            }
            // The records that could not be written went to the gateway's stderr; the gap is marked.
            let outcomes = try AuditLog(path: audit).tail(10).map { "\($0.event.action) \($0.event.target ?? "-") \($0.event.outcome.rawValue)" }
            #expect(outcomes == ["tools/call demo__add ok", "audit/resumed - ok", "tools/call demo__increment ok"], "\(outcomes)")
            guard case .intact(3, _) = try AuditLog(path: audit).verify() else {
                Issue.record("the chain does not hold its 3 records")
                return
            }
        }
    }

    @Test(
        "/metrics, behind a key: the gateway's requests by method, era, principal and outcome, denials, failed credentials, upstream health and the servers' own call metrics"
    )
    func metrics() async throws {
        let gateway = GatewayPeer()
        try await gateway.run { url, _ in
            let incremented = try await GatewayPeer.session(url, key: gateway.alice) { session in
                let result = try await session.callTool("demo__increment", arguments: ["by": 1])
                _ = try await session.readResource("demo://counter")
                return result
            }
            #expect(!incremented.isError)
            let added = try await GatewayPeer.session(url, key: gateway.bob, version: .v2025_11_25) { session in
                let result = try await session.callTool("demo__add", arguments: ["a": 1, "b": 1])
                _ = try? await session.callTool("demo__increment", arguments: ["by": 1], options: RequestOptions(validateArguments: false))
                return result
            }
            #expect(added.structuredContent == ["sum": 2])
            #expect(
                try await post(url, key: APIKey.generate(), #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#).status == 401
            )

            let metricsURL = url.replacingOccurrences(of: "/mcp", with: "/metrics")
            #expect(try await scrape(metricsURL, key: nil).status == 401, "the series name principals: not for anyone")
            let (status, text) = try await scrape(metricsURL, key: gateway.bob)
            #expect(status == 200)
            for line in [
                #"switchboard_gateway_requests_total{method="tools/call",era="modern",principal="alice",outcome="ok"} 1"#,
                #"switchboard_gateway_requests_total{method="resources/read",era="modern",principal="alice",outcome="ok"} 1"#,
                #"switchboard_gateway_requests_total{method="tools/call",era="legacy",principal="bob",outcome="ok"} 1"#,
                #"switchboard_gateway_denials_total{kind="role"} 1"#,
                #"switchboard_gateway_authentication_failures_total{reason="invalid_api_key"} 1"#,
                #"switchboard_gateway_authentication_failures_total{reason="missing_credentials"} 1"#,
                #"switchboard_gateway_requests_in_flight 0"#,
                #"switchboard_gateway_audit_writable 1"#,
                #"switchboard_upstream_up{server="demo"} 1"#,
                #"switchboard_upstream_ready 1"#,
                #"switchboard_requests_total{server="demo",method="tools/call",tool="increment",outcome="ok"} 1"#,
                #"switchboard_gateway_request_duration_seconds_count{method="tools/call",era="modern"} 1"#,
            ] {
                #expect(text.split(separator: "\n").contains { $0 == line || $0.hasPrefix(line + ".") }, "missing \(line) in\n\(text)")
            }
        }
    }

    func scrape(_ url: String, key: APIKey?) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key.text)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    /// Whether `condition` holds within 60 s of polling (the file watcher polls every second).
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

@Suite("Interop: the Python SDK client through the gateway", .serialized)
struct GatewayPythonClientTests {
    @Test("serve --stdio: a host that starts the gateway reaches every server's tools, with progress, and is audited as stdio")
    func stdio() async throws {
        try Peers.require(Peers.python)
        try await withTemporaryFolder(files: ["gateway.json": GatewayPeer().configuration()]) { folder in
            let output = try await ExternalProcess.run(
                Peers.python,
                [
                    Peers.pythonScript("gateway_client.py"), "--era", "legacy", "--stdio", Peers.switchboard, "serve", "--stdio", "--config",
                    folder + "/gateway.json", "--data", folder + "/state",
                ]
            )
            #expect(output.status == 0, "python client failed: \(output.stderr)")
            let report = try #require(try JSONValue(parsing: output.stdout).objectValue, "no report: \(output.stdout) \(output.stderr)")
            #expect(report["serverName"] == "switchboard-gateway")
            // The user who started it may use everything, the tools the roles deny to keys included.
            let tools = report["tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(tools.contains("demo__increment") && tools.contains("demo__echo"), "\(tools)")
            #expect(report["forbidden"] == ["isError": false, "text": "1"])
            #expect(report["sleep"] == ["text": "slept 40 ms", "progress": [1.0, 2.0, 3.0, 4.0]])
            #expect(report["prompt"] == "Summarize the following text in a brief style:\n\nabc")
            let records = try AuditLog(path: folder + "/state/audit.sqlite").tail(100).map(\.event)
            #expect(records.count == 6 && records.allSatisfy { $0.principal == "stdio" && $0.authentication == "local" }, "\(records)")
        }
    }

    @Test(
        "a reader's key: qualified catalog without what its role denies, calls with progress, reads and prompts, in both eras and over HTTP+SSE",
        arguments: ["modern", "legacy", "sse"]
    )
    func pythonClient(transport: String) async throws {
        try Peers.require(Peers.python)
        let gateway = GatewayPeer()
        let era = transport == "modern" ? "modern" : "legacy"
        try await gateway.run { url, _ in
            let target = transport == "sse" ? url.replacingOccurrences(of: "/mcp", with: "/sse") : url
            let output = try await ExternalProcess.run(
                Peers.python,
                [Peers.pythonScript("gateway_client.py"), "--era", era, target],
                environment: ["GATEWAY_KEY": gateway.bob.text]
            )
            #expect(output.status == 0, "python client failed: \(output.stderr)")
            let report = try #require(try JSONValue(parsing: output.stdout).objectValue, "no report: \(output.stdout) \(output.stderr)")
            #expect(report["protocolVersion"] == .string(era == "modern" ? "2026-07-28" : "2025-11-25"))
            #expect(report["serverName"] == "switchboard-gateway")
            #expect(report["tools"] == ["demo__add", "demo__ask_model", "demo__echo", "demo__fail", "demo__sleep", "demo__stats"])
            #expect(report["echo"] == "through the gateway")
            #expect(report["add"] == ["sum": 42])
            // The demo server's progress, passed on by the gateway.
            #expect(report["sleep"] == ["text": "slept 40 ms", "progress": [1.0, 2.0, 3.0, 4.0]])
            let forbidden = report["forbidden"]?.stringValue ?? "\(String(describing: report["forbidden"]))"
            #expect(forbidden.contains("no tool \"demo__increment\" is available to bob"), "\(forbidden)")
            #expect(report["read"] == "Hello, Python!")
            #expect(report["prompt"] == "Summarize the following text in a brief style:\n\nabc")
            let refused = report["withoutKey"]?.stringValue ?? ""
            // Over Streamable HTTP the SDK shows the gateway's JSON-RPC error from the 401 body;
            // its HTTP+SSE client shows the status alone.
            let expected = transport == "sse" ? "401 Unauthorized" : "this gateway needs an API key"
            #expect(refused.hasPrefix("error:") && refused.contains(expected), "\(refused)")
        }
    }
}
