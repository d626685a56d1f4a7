import JSONCore
import SwitchboardConfiguration
import SwitchboardGateway
import Testing

/// The alert rules as pure values: each alert's life, the built-in rules over observations,
/// and what a webhook receives.
@Suite("Alerts: lifecycles, rules and payloads")
struct AlertRulesTests {
    @Test("a condition that holds for the hold time fires (dated from its start), and resolves when it ends")
    func lifecycle() {
        var alert = AlertLifecycle(holdFor: 5)
        #expect(alert.observe(active: true, now: 100) == .none)
        #expect(alert.state == .pending(since: 100))
        #expect(alert.observe(active: true, now: 103) == .none)
        #expect(alert.observe(active: true, now: 105) == .fire(since: 100))
        #expect(alert.observe(active: true, now: 106) == .none, "fires once")
        #expect(alert.observe(active: false, now: 107) == .resolve(since: 100))
        #expect(alert.state == .inactive)
        #expect(alert.observe(active: false, now: 108) == .none)
    }

    @Test("a condition that ends before the hold time never fires; a hold of 0 fires at once")
    func pendingAndImmediate() {
        var flapping = AlertLifecycle(holdFor: 30)
        #expect(flapping.observe(active: true, now: 0) == .none)
        #expect(flapping.observe(active: false, now: 10) == .none)
        #expect(flapping.observe(active: true, now: 20) == .none)
        #expect(flapping.observe(active: true, now: 49) == .none, "the hold starts again after a gap")
        #expect(flapping.observe(active: true, now: 50) == .fire(since: 20))
        var immediate = AlertLifecycle(holdFor: 0)
        #expect(immediate.observe(active: true, now: 7) == .fire(since: 7))
    }

    static func observation(down: [String] = [], up: [String] = ["docs"], audit: Bool? = true, failures: Int = 0) -> AlertObservation {
        AlertObservation(
            upstreams: up.map { ($0, true, nil) } + down.map { ($0, false, "connection refused") },
            auditWritable: audit,
            recentAuthenticationFailures: failures
        )
    }

    @Test("the built-in rules: a server down for forSeconds, the audit log failing, a burst of bad credentials; a removed server's alert resolves")
    func rules() {
        var rules = AlertRules(
            settings: GatewaySettings.AlertSettings(upstreamDown: .init(forSeconds: 10), authenticationFailures: .init(count: 5, windowSeconds: 60))
        )
        #expect(rules.evaluate(Self.observation(), now: 0).isEmpty)
        #expect(rules.evaluate(Self.observation(down: ["git"]), now: 1).isEmpty, "pending")
        #expect(rules.current.map(\.key.display) == ["upstreamDown server=git"])
        let fired = rules.evaluate(Self.observation(down: ["git"]), now: 11)
        #expect(fired.map(\.status) == [.firing])
        #expect(fired.first?.key == AlertKey(rule: "upstreamDown", labels: [.init("server", "git")]))
        #expect(fired.first?.startsAt == 1 && fired.first?.summary.contains("connection refused") == true)

        let more = rules.evaluate(Self.observation(down: ["git"], audit: false, failures: 5), now: 12)
        #expect(Set(more.map(\.key.rule)) == ["auditFailing", "authenticationFailureBurst"])
        // git leaves the file while firing: resolved, not forgotten silently.
        let after = rules.evaluate(Self.observation(up: ["docs"], audit: true, failures: 0), now: 13)
        #expect(Set(after.map(\.key.rule)) == ["upstreamDown", "auditFailing", "authenticationFailureBurst"])
        #expect(after.allSatisfy { $0.status == .resolved && $0.endsAt == 13 })
        #expect(rules.current.isEmpty)
    }

    @Test("rules turned off raise nothing")
    func rulesOff() {
        var rules = AlertRules(settings: GatewaySettings.AlertSettings(upstreamDown: nil, auditFailing: false, authenticationFailures: nil))
        #expect(rules.evaluate(Self.observation(down: ["git"], audit: false, failures: 1000), now: 0).isEmpty)
        #expect(rules.evaluate(Self.observation(down: ["git"], audit: false, failures: 1000), now: 1000).isEmpty)
    }

    @Test("a burst is the count of bad credentials within the window")
    func failureWindow() {
        var window = FailureWindow(count: 3, windowSeconds: 10)
        for time in [0.0, 1, 2, 3] { window.record(time) }
        #expect(window.recent(now: 5) == 3, "at most count are kept")
        #expect(window.recent(now: 11.5) == 2)
        #expect(window.recent(now: 100) == 0)
    }

    static let firing = AlertNotification(
        key: AlertKey(rule: "upstreamDown", labels: [.init("server", "git")]),
        status: .firing,
        startsAt: 1_800_000_000.25,
        summary: "the server \"git\" cannot take calls"
    )

    @Test("webhook bodies: Switchboard's JSON, Alertmanager's API v2 and Slack's text")
    func payloads() throws {
        let json = try JSONValue(parsing: String(decoding: AlertPayload.body(Self.firing, format: .json), as: UTF8.self))
        #expect(json["status"] == "firing" && json["version"] == 1)
        #expect(json["alert"]?["labels"] == ["server": "git"] && json["alert"]?["name"] == "upstreamDown")
        #expect(json["alert"]?["startsAt"] == "2027-01-15T08:00:00.250Z")
        #expect(json["alert"]?["endsAt"] == nil)

        var resolved = Self.firing
        resolved.status = .resolved
        resolved.endsAt = 1_800_000_060
        let manager = try JSONValue(parsing: String(decoding: AlertPayload.body(resolved, format: .alertmanager), as: UTF8.self))
        #expect(manager.arrayValue?.first?["labels"] == ["alertname": "upstreamDown", "source": "switchboard", "server": "git"])
        #expect(manager.arrayValue?.first?["endsAt"] == "2027-01-15T08:01:00.000Z", "Alertmanager resolves by endsAt")
        #expect(manager.arrayValue?.first?["annotations"]?["summary"] == .string(Self.firing.summary))

        let slack = try JSONValue(parsing: String(decoding: AlertPayload.body(Self.firing, format: .slack), as: UTF8.self))
        #expect(slack["text"] == .string("[FIRING] upstreamDown server=git: the server \"git\" cannot take calls"))

        #expect(AlertPayload.target(.init(url: "http://am:9093", format: .alertmanager)) == "http://am:9093/api/v2/alerts")
        #expect(AlertPayload.target(.init(url: "http://am:9093/api/v2/alerts", format: .alertmanager)) == "http://am:9093/api/v2/alerts")
        #expect(AlertPayload.target(.init(url: "http://hook/x", format: .json)) == "http://hook/x")
    }

    @Test("the signature is HMAC-SHA256 over timestamp.body, as a reference implementation (Python's hmac) computes it")
    func signature() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"hook-secret", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest())'
        #expect(
            AlertPayload.signature(secret: "hook-secret", timestamp: 1_700_000_000, body: Array(#"{"a":1}"#.utf8))
                == "sha256=2ca9484d0c409cd2998fd115eb688d50af3c4591f30a5124d6262b43877ed809"
        )
    }
}
