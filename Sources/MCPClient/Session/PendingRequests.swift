package import JSONCore
import JSONSchema
import Logging
import MCPTransport
package import MCPWire
import Synchronization

/// How a request ended, as seen by the table.
package enum RequestOutcome: Sendable {
    case result(JSONObject)
    case error(JSONRPCError)
    case failure(MCPError)
}

/// The requests in flight on one connection: a pure state machine, no I/O.
///
/// A request is registered before it is sent, so a response that arrives before the caller
/// starts waiting is kept rather than lost. Each entry ends exactly once: by its response,
/// a failure, its deadline, cancellation, or the connection closing. A response for an id
/// no longer in the table (late, after a timeout or cancel) is reported as unknown and dropped.
/// `Waiter` is what a caller waits on (a continuation in ``ClientSession``).
package struct PendingRequests<Waiter> {
    package struct Entry {
        var continuation: Waiter?
        var earlyOutcome: RequestOutcome?
        // Stored as ``ClockInstant``s: an entry is copied several times per request.
        var storedDeadline: ClockInstant
        var timeout: Duration
        var storedHardDeadline: ClockInstant
        var onProgress: (@Sendable (ProgressParams) -> Void)?
        var resetOnProgress: Bool
        var method: String
        /// Whether the server has sent anything for this request (progress) yet.
        var answerStarted = false

        package init(
            deadline: ContinuousClock.Instant,
            timeout: Duration,
            hardDeadline: ContinuousClock.Instant,
            onProgress: (@Sendable (ProgressParams) -> Void)?,
            resetOnProgress: Bool,
            method: String
        ) {
            self.init(
                deadline: ClockInstant(deadline),
                timeout: timeout,
                hardDeadline: ClockInstant(hardDeadline),
                onProgress: onProgress,
                resetOnProgress: resetOnProgress,
                method: method
            )
        }

        package init(
            deadline: ClockInstant,
            timeout: Duration,
            hardDeadline: ClockInstant,
            onProgress: (@Sendable (ProgressParams) -> Void)?,
            resetOnProgress: Bool,
            method: String
        ) {
            self.storedDeadline = deadline
            self.timeout = timeout
            self.storedHardDeadline = hardDeadline
            self.onProgress = onProgress
            self.resetOnProgress = resetOnProgress
            self.method = method
        }
    }

    package init() {}

    private(set) var entries: [RequestID: Entry] = [:]
    package private(set) var closedError: MCPError?

    package var count: Int { entries.count }

    /// What to do after an event: resume a waiter, and whether the timer must be re-armed.
    package struct Resume {
        package var continuation: Waiter
        package var outcome: RequestOutcome
    }

    /// Adds a request about to be sent. Fails if the connection has already closed.
    package mutating func register(_ id: RequestID, entry: Entry) -> MCPError? {
        if let closedError { return closedError }
        entries[id] = entry
        return nil
    }

    /// Attaches the caller's continuation; returns an outcome that already arrived, if any.
    package mutating func attach(_ id: RequestID, _ continuation: Waiter) -> RequestOutcome? {
        guard var entry = entries[id] else {
            return .failure(closedError ?? MCPError(.cancelled, "the request was cancelled"))
        }
        if let early = entry.earlyOutcome {
            entries[id] = nil
            return early
        }
        entry.continuation = continuation
        entries[id] = entry
        return nil
    }

    /// Ends request `id` with `outcome`. Returns the waiter to resume, or nil (unknown id, or
    /// no waiter yet: then the outcome is kept for ``attach(_:_:)``).
    package mutating func complete(_ id: RequestID, _ outcome: RequestOutcome) -> (known: Bool, resume: Resume?) {
        guard var entry = entries[id] else { return (false, nil) }
        if let continuation = entry.continuation {
            entries[id] = nil
            return (true, Resume(continuation: continuation, outcome: outcome))
        }
        if entry.earlyOutcome == nil { entry.earlyOutcome = outcome }
        entries[id] = entry
        return (true, nil)
    }

    /// The method of request `id`, while it is in flight.
    package func method(of id: RequestID) -> String? { entries[id]?.method }

    /// Removes a request without an outcome (the send failed before anyone waited).
    package mutating func remove(_ id: RequestID) {
        entries[id] = nil
    }

    /// A progress notification for `token`: the callback to run and, if opted in, a later deadline.
    package mutating func progress(_ token: ProgressToken, now: ContinuousClock.Instant) -> (@Sendable (ProgressParams) -> Void)? {
        guard var entry = entries[token] else { return nil }
        entry.answerStarted = true
        if entry.resetOnProgress { entry.storedDeadline = min(ClockInstant(now) + entry.timeout, entry.storedHardDeadline) }
        entries[token] = entry
        return entry.onProgress
    }

    /// Every request whose deadline has passed, removed, with the waiters to fail.
    package mutating func expire(now: ContinuousClock.Instant) -> [(RequestID, String, Resume?)] {
        var expired: [(RequestID, String, Resume?)] = []
        let now = ClockInstant(now)
        for (id, entry) in entries where entry.storedDeadline <= now {
            var error = MCPError(.timeout, "\(entry.method) timed out after \(entry.timeout)")
            error.answerStarted = entry.answerStarted
            entries[id] = nil
            expired.append((id, entry.method, entry.continuation.map { Resume(continuation: $0, outcome: .failure(error)) }))
        }
        return expired
    }

    /// The earliest deadline in the table.
    package var earliestDeadline: ContinuousClock.Instant? {
        entries.values.lazy.map(\.storedDeadline).min()?.instant
    }

    /// Fails every request in flight with `error`, leaving the table open for new ones (the
    /// connection was lost and will be re-established).
    package mutating func abortAll(_ error: MCPError) -> [Resume] {
        let resumes = entries.values.compactMap { entry in
            entry.continuation.map { Resume(continuation: $0, outcome: .failure(error)) }
        }
        // Entries without a waiter yet keep the failure for when it attaches.
        for (id, var entry) in entries where entry.continuation == nil {
            entry.earlyOutcome = .failure(error)
            entries[id] = entry
        }
        entries = entries.filter { $0.value.continuation == nil }
        return resumes
    }

    /// Closes the table: every waiter fails with `error`, and later registrations fail at once.
    package mutating func close(_ error: MCPError) -> [Resume] {
        if closedError == nil { closedError = error }
        let resumes = entries.values.compactMap { entry in
            entry.continuation.map { Resume(continuation: $0, outcome: .failure(error)) }
        }
        entries.removeAll()
        return resumes
    }
}

extension PendingRequests: Sendable where Waiter: Sendable {}
extension PendingRequests.Entry: Sendable where Waiter: Sendable {}
extension PendingRequests.Resume: Sendable where Waiter: Sendable {}
