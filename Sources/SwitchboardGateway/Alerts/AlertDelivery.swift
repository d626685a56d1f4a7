import AsyncHTTPClient
import Crypto
import JSONCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
public import SwitchboardConfiguration
import SwitchboardHub
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an alert looks like on the wire, for each webhook format. Pure.
public enum AlertPayload {
    /// The request body.
    public static func body(_ notification: AlertNotification, format: GatewaySettings.AlertSettings.Webhook.Format) -> [UInt8] {
        var labels: JSONObject = [:]
        for label in notification.key.labels { labels[label.name] = .string(label.value) }
        switch format {
        case .json:
            var alert: JSONObject = [
                "name": .string(notification.key.rule), "labels": .object(labels), "summary": .string(notification.summary),
                "startsAt": .string(iso8601(notification.startsAt)),
            ]
            if let endsAt = notification.endsAt { alert["endsAt"] = .string(iso8601(endsAt)) }
            return JSONValue.object(["version": 1, "status": .string(notification.status.rawValue), "alert": .object(alert)]).serialized()
        case .alertmanager:
            var amLabels: JSONObject = ["alertname": .string(notification.key.rule), "source": "switchboard"]
            for label in notification.key.labels { amLabels[label.name] = .string(label.value) }
            var alert: JSONObject = [
                "labels": .object(amLabels), "annotations": ["summary": .string(notification.summary)],
                "startsAt": .string(iso8601(notification.startsAt)),
            ]
            // Alertmanager resolves an alert whose endsAt has passed.
            if let endsAt = notification.endsAt { alert["endsAt"] = .string(iso8601(endsAt)) }
            return JSONValue.array([.object(alert)]).serialized()
        case .slack:
            let state = notification.status == .firing ? "FIRING" : "RESOLVED"
            return JSONValue.object(["text": .string("[\(state)] \(notification.key.display): \(notification.summary)")]).serialized()
        }
    }

    /// `seconds` since 1970 as RFC 3339 (UTC, milliseconds).
    public static func iso8601(_ seconds: Double) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date(timeIntervalSince1970: seconds))
    }

    /// The `X-Switchboard-Signature` of a body sent at `timestamp`: `sha256=` and the hex
    /// HMAC-SHA256, keyed by the secret, of `"<timestamp>.<body>"` (the timestamp is signed
    /// too, so that an old delivery cannot be replayed as new).
    public static func signature(secret: String, timestamp: Int, body: [UInt8]) -> String {
        let message = Array("\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256="
            + Array(code).map { byte in
                let digits = Array("0123456789abcdef".utf8)
                return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
            }.joined()
    }

    /// The URL to POST to: Alertmanager's API path is added to a bare base URL.
    public static func target(_ webhook: GatewaySettings.AlertSettings.Webhook) -> String {
        guard webhook.format == .alertmanager, !webhook.url.hasSuffix("/api/v2/alerts") else { return webhook.url }
        return (webhook.url.hasSuffix("/") ? String(webhook.url.dropLast()) : webhook.url) + "/api/v2/alerts"
    }
}

/// Delivers alerts to one webhook, in order, each retried with backoff (0.5 s doubling to
/// 30 s, 8 attempts). At most 1,000 wait; past that, and after the last attempt, the alert is
/// logged as not delivered (never dropped without a word).
final class WebhookDelivery: Service {
    let webhook: GatewaySettings.AlertSettings.Webhook
    let logger: Logger
    let queue: AsyncStream<AlertNotification>
    let continuation: AsyncStream<AlertNotification>.Continuation
    /// Deliveries that reached the webhook, and those given up on.
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    static let attempts = 8

    init(webhook: GatewaySettings.AlertSettings.Webhook, logger: Logger) {
        self.webhook = webhook
        self.logger = logger
        (queue, continuation) = AsyncStream.makeStream(of: AlertNotification.self, bufferingPolicy: .bufferingOldest(1000))
    }

    func send(_ notification: AlertNotification) {
        if case .dropped = continuation.yield(notification) {
            failed.add(1, ordering: .relaxed)
            logger.error(
                "alert not delivered to \(webhook.url): 1,000 alerts already wait for it; \(notification.key.display) \(notification.status.rawValue)"
            )
        }
    }

    func run() async throws {
        for await notification in queue.cancelOnGracefulShutdown() {
            await deliver(notification)
        }
    }

    func deliver(_ notification: AlertNotification) async {
        let body = AlertPayload.body(notification, format: webhook.format)
        var backoff = Duration.milliseconds(500)
        var lastError = ""
        for attempt in 1...Self.attempts {
            do {
                var request = HTTPClientRequest(url: AlertPayload.target(webhook))
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "switchboard-gateway")
                if let secret = webhook.secret {
                    let timestamp = Int(Date().timeIntervalSince1970)
                    request.headers.add(name: "X-Switchboard-Timestamp", value: String(timestamp))
                    request.headers.add(
                        name: "X-Switchboard-Signature",
                        value: AlertPayload.signature(secret: secret, timestamp: timestamp, body: body)
                    )
                }
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) {
                    delivered.add(1, ordering: .relaxed)
                    return
                }
                lastError = "HTTP \(response.status.code)"
            } catch {
                lastError = "\(error)"
            }
            // Shutting down: no waiting for the next attempt (the log says what was not sent).
            guard attempt < Self.attempts, !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
        failed.add(1, ordering: .relaxed)
        logger.error("alert not delivered to \(webhook.url) (\(lastError)): \(notification.key.display) \(notification.status.rawValue)")
    }
}

/// Watches the gateway once a second, judges the alert rules, and hands what changed to the
/// webhooks (and the log). ``current`` is what `GET /alerts` shows.
final class AlertMonitor: Service {
    let hub: Hub
    let audit: AuditTrail?
    let metrics: GatewayMetrics
    let logger: Logger
    let rules: Mutex<AlertRules>
    let deliveries: [WebhookDelivery]

    init(settings: GatewaySettings.AlertSettings, hub: Hub, audit: AuditTrail?, metrics: GatewayMetrics, logger: Logger) {
        self.hub = hub
        self.audit = audit
        self.metrics = metrics
        self.logger = logger
        rules = Mutex(AlertRules(settings: settings))
        deliveries = settings.webhooks.map { WebhookDelivery(webhook: $0, logger: logger) }
        metrics.watchFailures(settings.authenticationFailures)
    }

    /// Whether a server can take calls: ready, with a replica connected and in rotation.
    static func isUp(_ status: ServerStatus) -> Bool {
        status.phase == .ready && status.replicas.contains { $0.connected && !$0.ejected }
    }

    func observe(now: Double) -> AlertObservation {
        let upstreams = hub.statuses.filter { $0.phase != .disabled }.map { status in
            let reason: String? =
                switch status.phase {
                case .failed(let message): message
                case .connecting: "connecting"
                default: status.replicas.first { $0.error != nil }?.error ?? (Self.isUp(status) ? nil : "every replica is out of rotation")
                }
            return (name: status.name, up: Self.isUp(status), reason: reason)
        }
        return AlertObservation(
            upstreams: upstreams,
            auditWritable: audit.map { $0.writable.load(ordering: .relaxed) },
            recentAuthenticationFailures: metrics.recentFailures(now: now)
        )
    }

    func tick(now: Double) {
        let observation = observe(now: now)
        let changes = rules.withLock { $0.evaluate(observation, now: now) }
        for change in changes {
            if change.status == .firing {
                logger.warning("alert firing: \(change.key.display): \(change.summary)")
            } else {
                logger.notice("alert resolved: \(change.key.display)")
            }
            for delivery in deliveries { delivery.send(change) }
        }
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for delivery in deliveries { group.addTask { try await delivery.run() } }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                tick(now: Date().timeIntervalSince1970)
                try? await Task.sleep(for: .seconds(1))
            }
            for delivery in deliveries { delivery.continuation.finish() }
            try await group.waitForAll()
        }
    }

    /// `GET /alerts`: what is pending or firing.
    var current: JSONValue {
        let alerts = rules.withLock { $0.current }
        return [
            "alerts": .array(
                alerts.map { alert in
                    var labels: JSONObject = [:]
                    for label in alert.key.labels { labels[label.name] = .string(label.value) }
                    let (state, since): (String, Double) =
                        switch alert.state {
                        case .pending(let since): ("pending", since)
                        case .firing(let since): ("firing", since)
                        case .inactive: ("inactive", 0)
                        }
                    return [
                        "name": .string(alert.key.rule), "labels": .object(labels), "state": .string(state),
                        "since": .string(AlertPayload.iso8601(since)), "summary": .string(alert.summary),
                    ]
                }
            )
        ]
    }
}
