import AsyncHTTPClient
import Foundation
import JSONCore
import NIOCore
import NIOHTTP1
import SwitchboardGateway
import TestSupport
import Testing

@Suite("Gateway: alerts to webhooks", .serialized)
struct GatewayAlertTests {
    @Test(
        "an upstream killed: the webhooks get firing (JSON with a valid HMAC, Slack, Alertmanager; refused deliveries retried) and /alerts shows it; restarted: resolved"
    )
    func upstreamDownAndBack() async throws {
        try Peers.require(Peers.python)
        try Peers.require(Peers.switchboard)
        let secret = "alert-secret-\(UUID().uuidString)"
        let receiver = try await HTTPPeer(Peers.python) { port in
            // Its first two answers are 500s: the deliveries they refuse must be retried.
            [Peers.pythonScript("webhook_receiver.py"), "--port", String(port), "--secret", secret, "--fail-first", "2"]
        }
        defer { receiver.stop() }
        let upstreamPort = try Network.freePort()
        var upstream = try await HTTPPeer(Peers.switchboard, port: upstreamPort) { port in ["demo-server", "--http", String(port)] }
        defer { upstream.stop() }
        let key = APIKey.generate()
        let hooks = "http://127.0.0.1:\(receiver.port)"
        let configuration = """
            {"mcpServers": {"flaky": {"url": "http://127.0.0.1:\(upstreamPort)/mcp",
                                      "switchboard": {"health": {"intervalSeconds": 0.5, "timeoutSeconds": 2, "ejectAfterFailures": 1, "cooldownSeconds": 600}}},
                            "steady": {"command": "\(Peers.switchboard)", "args": ["demo-server"]}},
             "gateway": {
               "apiKeys": [{"name": "ops", "key": {"sha256": "\(key.digest)"}, "roles": ["admin"]}],
               "roles": {"admin": {"tools": ["*"]}},
               "alerts": {"rules": {"upstreamDown": {"forSeconds": 1}},
                          "webhooks": [{"url": "\(hooks)/json", "secret": {"env": "HOOK_SECRET"}},
                                       {"url": "\(hooks)/slack", "format": "slack"},
                                       {"url": "\(hooks)/am", "format": "alertmanager"}]}}}
            """
        try await withTemporaryFolder(files: ["gateway.json": configuration]) { folder in
            let gatewayPort = try Network.freePort()
            let process = ExternalProcess(
                Peers.switchboard,
                ["serve", "--config", folder + "/gateway.json", "--port", String(gatewayPort), "--data", folder + "/state"],
                environment: ["HOOK_SECRET": secret]
            )
            try process.start()
            defer { process.stop() }
            try await Network.waitForListener(port: gatewayPort)
            let base = "http://127.0.0.1:\(gatewayPort)"
            #expect(try await Self.get(base + "/alerts", key: nil).status == 401)
            #expect(try await eventually { try await Self.alerts(base, key: key).isEmpty }, "both servers up, nothing pending")

            upstream.stop()
            let fired = try await eventually { try await Self.received(receiver, path: "/json", status: "firing").count == 1 }
            let seen = try await Self.get("http://127.0.0.1:\(receiver.port)/received", key: nil).body
            let current = try await Self.alerts(base, key: key)
            try #require(fired, "alerts: \(current); received: \(seen); gateway: \(process.stderr)")
            let firing = try #require(try await Self.received(receiver, path: "/json", status: "firing").first)
            #expect(firing["signatureValid"] == true, "\(firing)")
            #expect(firing["body"]?["alert"]?["labels"] == ["server": "flaky"])
            #expect(
                try await eventually {
                    try await Self.received(receiver, path: "/slack").contains {
                        $0["body"]?["text"]?.stringValue?.hasPrefix("[FIRING] upstreamDown server=flaky") == true
                    }
                }
            )
            #expect(try await eventually { try await Self.received(receiver, path: "/am/api/v2/alerts").isEmpty == false })
            let firingNow = try await Self.alerts(base, key: key)
            #expect(firingNow.map { $0["state"] } == ["firing"] && firingNow.first?["labels"] == ["server": "flaky"], "\(firingNow)")

            upstream = try await HTTPPeer(Peers.switchboard, port: upstreamPort) { port in ["demo-server", "--http", String(port)] }
            #expect(try await eventually { try await Self.received(receiver, path: "/json", status: "resolved").count == 1 }, "\(process.stderr)")
            let resolved = try #require(try await Self.received(receiver, path: "/json", status: "resolved").first)
            #expect(resolved["signatureValid"] == true)
            #expect(resolved["body"]?["alert"]?["endsAt"]?.stringValue != nil)
            let manager = try await Self.received(receiver, path: "/am/api/v2/alerts")
            #expect(manager.last?["body"]?.arrayValue?.first?["endsAt"] != nil, "Alertmanager is told it ended")
            #expect(try await Self.alerts(base, key: key).isEmpty)
            #expect(try await Self.received(receiver, path: "/json", status: "firing").count == 1, "one outage, one alert")
        }
    }

    static func get(_ url: String, key: APIKey?) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key.text)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func alerts(_ base: String, key: APIKey) async throws -> [JSONValue] {
        let answer = try await get(base + "/alerts", key: key)
        return try JSONValue(parsing: answer.body)["alerts"]?.arrayValue ?? []
    }

    /// What the receiver got at `path`, optionally only those of one status (the JSON format's).
    static func received(_ receiver: HTTPPeer, path: String, status: String? = nil) async throws -> [JSONValue] {
        let answer = try await get("http://127.0.0.1:\(receiver.port)/received", key: nil)
        let all = try JSONValue(parsing: answer.body).arrayValue ?? []
        return all.filter { $0["path"]?.stringValue == path && (status == nil || $0["body"]?["status"]?.stringValue == status) }
    }

    /// Whether `condition` holds within 60 s of polling.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
