package import MCPWire

/// Everything about a client session that changes while it runs, in one value behind one
/// lock: its phase, the negotiated version, the requests in flight, who listens to it, and
/// the tasks it owns. A pure state machine: ``ClientSession`` feeds it events and performs the
/// actions it returns, the way async-http-client's `Transaction` drives its `StateMachine`.
///
/// ```
/// idle ──start──▶ connecting ──negotiated──▶ ready ──close──▶ closing ──finished──▶ closed
///                      └──────────── the transport closed ───────────────────────────┘
/// ```
///
/// Whichever side ends the session (its owner, or the transport: a process that exited, a
/// stream that broke), every request in flight fails, every stream finishes, and a stream
/// asked for afterwards finishes at once, so nobody waits on a session that is gone.
///
/// Generic over what a request's caller waits on and over a subscriber, so it is tested with
/// plain values; ``ClientSession`` uses continuations.
package struct SessionStateMachine<Waiter, Subscriber> {
    package enum Phase: Sendable, Equatable {
        case idle
        /// Started: connecting and negotiating a version.
        case connecting
        case ready
        /// Its owner is closing it; nothing new starts.
        case closing
        case closed
    }

    package private(set) var phase = Phase.idle
    /// Why the session ended, when the transport ended it; `nil` when its owner closed it.
    package private(set) var endedBy: MCPError?
    /// The negotiation in force, boxed: the request path reads it on every call, and a box
    /// costs one retain where the struct's copy cost one per field.
    package private(set) var negotiationBox: NegotiationBox?
    package var negotiation: ClientSession.Negotiation? { negotiationBox?.value }
    package var requests = PendingRequests<Waiter>()
    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    /// The log level a modern server is asked for in every request's `_meta`.
    package var logLevel: LoggingLevel?
    /// A legacy server's connection was re-established (a restarted process): run
    /// `initialize` again before the next request.
    package var handshakeNeeded = false
    /// How many unreadable frames the server has sent.
    package var malformedMessages = 0
    /// The modern `subscriptions/listen` stream, when one is open.
    package var listen = ListenState()
    /// Server requests (legacy elicitation, sampling, roots) being answered, so that a
    /// `notifications/cancelled` or closing can cancel them.
    package var serverRequests: [RequestID: Task<Void, Never>] = [:]
    /// The deadline timer's task, stopped and awaited by ``ClientSession/close()``.
    package var timerTask: Task<Void, Never>?

    package init() {}

    // MARK: Starting

    /// ``ClientSession/start()`` was called. False if the session was already started or closed.
    package mutating func start() -> Bool {
        guard phase == .idle else { return false }
        phase = .connecting
        return true
    }

    /// A version was negotiated (or negotiated again, after the server changed).
    package mutating func negotiated(_ negotiation: ClientSession.Negotiation) {
        negotiationBox = NegotiationBox(negotiation)
        if phase == .connecting { phase = .ready }
    }

    /// Takes the handshake flag: true once after a legacy connection was re-established.
    package mutating func takeHandshakeNeeded() -> Bool {
        defer { handshakeNeeded = false }
        return handshakeNeeded
    }

    // MARK: Subscribers

    package enum SubscribeAction {
        /// Registered under this key (for ``unsubscribe(_:)``).
        case registered(Int)
        /// The session has ended: finish the stream at once (after telling how it ended).
        case finishNow(endedBy: MCPError?)
    }

    /// Someone asked for a stream of notifications or events.
    package mutating func subscribe(_ subscriber: Subscriber) -> SubscribeAction {
        switch phase {
        case .closing, .closed:
            return .finishNow(endedBy: endedBy)
        case .idle, .connecting, .ready:
            nextSubscriber += 1
            subscribers[nextSubscriber] = subscriber
            return .registered(nextSubscriber)
        }
    }

    /// A stream's reader went away.
    package mutating func unsubscribe(_ key: Int) {
        subscribers[key] = nil
    }

    /// Everyone to deliver to now.
    package var currentSubscribers: [Subscriber] { Array(subscribers.values) }

    // MARK: Ending

    /// What to do once the session has ended.
    package struct Ending {
        /// Fail these callers.
        package var failing: [PendingRequests<Waiter>.Resume] = []
        /// Finish these streams (after telling them how the session ended).
        package var finishing: [Subscriber] = []
        /// Cancel these tasks: answers to server requests, the listen stream.
        package var cancelling: [Task<Void, Never>] = []
        /// Why it ended; `nil` when closed by its owner.
        package var error: MCPError?
    }

    /// Its owner asked to close it: nothing new starts. Returns false if it was already
    /// closing or closed. The caller then closes the transport and calls ``finish(_:)``.
    package mutating func closeRequested() -> Bool {
        switch phase {
        case .closing, .closed: return false
        case .idle, .connecting, .ready:
            phase = .closing
            return true
        }
    }

    /// The session is over: the transport closed (with `error` when it was not asked to),
    /// or its owner's close finished. Only the first call does anything.
    package mutating func finish(_ error: MCPError?) -> Ending {
        guard phase != .closed else { return Ending() }
        // A close its owner asked for is a clean end whatever the transport says.
        let cause = phase == .closing ? nil : error
        phase = .closed
        endedBy = cause
        var ending = Ending(error: cause)
        ending.failing = requests.close(cause ?? MCPError(.transportClosed, "the session was closed"))
        ending.finishing = Array(subscribers.values)
        subscribers.removeAll()
        ending.cancelling = Array(serverRequests.values)
        serverRequests.removeAll()
        if let task = listen.task { ending.cancelling.append(task) }
        listen = ListenState()
        return ending
    }

    /// The connection was lost with requests in flight, but the transport goes on (a
    /// restarted process): fail those requests; a legacy server needs `initialize` again.
    package mutating func connectionLost(_ error: MCPError) -> [PendingRequests<Waiter>.Resume] {
        if negotiation?.era == .legacy { handshakeNeeded = true }
        return requests.abortAll(error)
    }

    /// Whether the session has ended for good (or is ending).
    package var isEnded: Bool { phase == .closing || phase == .closed }
}

extension SessionStateMachine: Sendable where Waiter: Sendable, Subscriber: Sendable {}
extension SessionStateMachine.Ending: Sendable where Waiter: Sendable, Subscriber: Sendable {}
extension SessionStateMachine.SubscribeAction: Sendable {}

/// A negotiation, shared by reference (see ``SessionStateMachine/negotiationBox``).
package final class NegotiationBox: Sendable {
    package let value: ClientSession.Negotiation

    package init(_ value: ClientSession.Negotiation) {
        self.value = value
    }
}
