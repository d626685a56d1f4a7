public import SwitchboardConfiguration

/// One alert: the rule that raised it and what it is about (`server`), as Alertmanager labels.
public struct AlertKey: Sendable, Hashable, Comparable {
    public var rule: String
    /// Extra labels, in a fixed order.
    public var labels: [Label]

    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(rule: String, labels: [Label] = []) {
        self.rule = rule
        self.labels = labels
    }

    public static func < (lhs: AlertKey, rhs: AlertKey) -> Bool {
        (lhs.rule, lhs.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
            < (rhs.rule, rhs.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
    }

    /// `rule server=docs`, for messages.
    public var display: String { ([rule] + labels.map { "\($0.name)=\($0.value)" }).joined(separator: " ") }
}

/// The life of one alert, as a pure state machine: a condition that holds for ``holdFor``
/// seconds makes it fire; the condition ending resolves it. A condition that ends before then
/// never fires (it was pending).
public struct AlertLifecycle: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case inactive
        case pending(since: Double)
        case firing(since: Double)
    }

    /// What to deliver after an observation.
    public enum Action: Sendable, Hashable {
        case none
        /// It starts firing (the condition has held since `since`).
        case fire(since: Double)
        /// It stops firing (it had fired at `since`).
        case resolve(since: Double)
    }

    public let holdFor: Double
    public private(set) var state: State = .inactive

    public init(holdFor: Double) {
        precondition(holdFor >= 0, "an alert cannot fire before its condition holds")
        self.holdFor = holdFor
    }

    /// The condition is `active` at `now` (seconds).
    public mutating func observe(active: Bool, now: Double) -> Action {
        switch (state, active) {
        case (.inactive, true):
            if holdFor == 0 {
                state = .firing(since: now)
                return .fire(since: now)
            }
            state = .pending(since: now)
            return .none
        case (.pending(let since), true):
            guard now - since >= holdFor else { return .none }
            state = .firing(since: since)
            return .fire(since: since)
        case (.pending, false):
            state = .inactive
            return .none
        case (.firing(let since), false):
            state = .inactive
            return .resolve(since: since)
        case (.firing, true), (.inactive, false):
            return .none
        }
    }
}

/// What the gateway saw at one moment, for the alert rules to judge.
public struct AlertObservation: Sendable {
    /// Each server the hub serves, and whether it can take calls now.
    public var upstreams: [(name: String, up: Bool, reason: String?)]
    /// Whether the audit log takes records (nil: there is none).
    public var auditWritable: Bool?
    /// Bad credentials within the burst window.
    public var recentAuthenticationFailures: Int

    public init(upstreams: [(name: String, up: Bool, reason: String?)], auditWritable: Bool?, recentAuthenticationFailures: Int) {
        self.upstreams = upstreams
        self.auditWritable = auditWritable
        self.recentAuthenticationFailures = recentAuthenticationFailures
    }
}

/// A change in an alert, to deliver.
public struct AlertNotification: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case firing
        case resolved
    }

    public var key: AlertKey
    public var status: Status
    /// When the condition began (seconds since 1970).
    public var startsAt: Double
    /// When it ended, for a resolved alert.
    public var endsAt: Double?
    public var summary: String

    public init(key: AlertKey, status: Status, startsAt: Double, endsAt: Double? = nil, summary: String) {
        self.key = key
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.summary = summary
    }
}

/// The built-in rules (`"gateway": {"alerts": {"rules": ...}}`) over successive observations:
/// which alerts are pending or firing, and what changed. Pure: the caller observes and
/// delivers.
public struct AlertRules: Sendable {
    public let settings: GatewaySettings.AlertSettings
    var lifecycles: [AlertKey: AlertLifecycle] = [:]
    var summaries: [AlertKey: String] = [:]

    public init(settings: GatewaySettings.AlertSettings) {
        self.settings = settings
    }

    /// The alerts pending or firing, with their summaries, in a stable order.
    public var current: [(key: AlertKey, state: AlertLifecycle.State, summary: String)] {
        lifecycles.filter { $0.value.state != .inactive }.keys.sorted().compactMap { key in
            lifecycles[key].map { (key, $0.state, summaries[key] ?? key.display) }
        }
    }

    /// Judges `observation` at `now`; returns what started or stopped firing.
    public mutating func evaluate(_ observation: AlertObservation, now: Double) -> [AlertNotification] {
        var conditions: [AlertKey: (active: Bool, hold: Double, summary: String)] = [:]
        if let rule = settings.upstreamDown {
            for upstream in observation.upstreams {
                conditions[AlertKey(rule: "upstreamDown", labels: [.init("server", upstream.name)])] = (
                    !upstream.up, rule.forSeconds,
                    "the server \"\(upstream.name)\" cannot take calls\(upstream.reason.map { ": \($0)" } ?? "")"
                )
            }
        }
        if settings.auditFailing, let writable = observation.auditWritable {
            conditions[AlertKey(rule: "auditFailing")] = (!writable, 0, "the audit log cannot be written; calls are refused")
        }
        if let burst = settings.authenticationFailures {
            conditions[AlertKey(rule: "authenticationFailureBurst")] = (
                observation.recentAuthenticationFailures >= burst.count, 0,
                "\(observation.recentAuthenticationFailures) bad credentials in the last \(Int(burst.windowSeconds)) s"
            )
        }
        var notifications: [AlertNotification] = []
        // A key no longer observed (a server removed from the file) has ended.
        for key in Set(lifecycles.keys).union(conditions.keys).sorted() {
            let condition = conditions[key]
            var lifecycle = lifecycles[key] ?? AlertLifecycle(holdFor: condition?.hold ?? 0)
            if let condition, condition.active { summaries[key] = condition.summary }
            switch lifecycle.observe(active: condition?.active ?? false, now: now) {
            case .none: break
            case .fire(let since):
                notifications.append(AlertNotification(key: key, status: .firing, startsAt: since, summary: summaries[key] ?? key.display))
            case .resolve(let since):
                notifications.append(
                    AlertNotification(key: key, status: .resolved, startsAt: since, endsAt: now, summary: summaries[key] ?? key.display)
                )
            }
            if lifecycle.state == .inactive && condition == nil {
                lifecycles[key] = nil
                summaries[key] = nil
            } else {
                lifecycles[key] = lifecycle
            }
        }
        return notifications
    }
}

/// The times of the latest bad credentials, to tell a burst: at most `count` kept, so that
/// `count` of them within the window is a burst.
public struct FailureWindow: Sendable {
    let count: Int
    let window: Double
    var times: [Double] = []

    public init(count: Int, windowSeconds: Double) {
        precondition(count > 0 && windowSeconds > 0, "a burst is a positive count in a positive window")
        self.count = count
        self.window = windowSeconds
    }

    public mutating func record(_ now: Double) {
        times.append(now)
        if times.count > count { times.removeFirst(times.count - count) }
    }

    /// How many fell within the window ending at `now`.
    public func recent(now: Double) -> Int { times.count { now - $0 < window } }
}
