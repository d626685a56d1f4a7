package import JSONCore
package import MCPWire

/// The server's own requests to the client in flight (legacy elicitation, sampling, roots): a
/// pure state machine, no I/O.
///
/// A request is registered before it is sent, and each ends exactly once: by the client's
/// answer, a failure, cancellation, or the connection closing. A `Waiter` is whatever the
/// caller waits on (a continuation, in ``ServerSession``). Whatever ends it before its
/// caller has started waiting is kept for the caller, so a cancellation or an answer that
/// races ahead of the wait is never lost.
package struct OutgoingRequests<Waiter> {
    private enum Entry {
        case registered
        case waiting(Waiter)
        case finished(Result<JSONObject, any Error>)
    }

    private var entries: [RequestID: Entry] = [:]
    private var closed: (any Error)?

    /// Adds a request about to be sent; false once the connection has closed.
    package mutating func register(_ id: RequestID) -> Bool {
        guard closed == nil else { return false }
        precondition(entries[id] == nil, "request ids are unique")
        entries[id] = .registered
        return true
    }

    /// The caller starts waiting: returns the outcome if it already came (the entry is then gone).
    package mutating func attach(_ id: RequestID, _ continuation: Waiter) -> Result<JSONObject, any Error>? {
        switch entries[id] {
        case .registered?:
            entries[id] = .waiting(continuation)
            return nil
        case .finished(let outcome)?:
            entries[id] = nil
            return outcome
        case .waiting?:
            preconditionFailure("a request is waited for once")
        case nil:
            return .failure(closed ?? CancellationError())
        }
    }

    /// Ends request `id`: returns the waiter to resume with `outcome`, if one is waiting;
    /// otherwise keeps the outcome for ``attach(_:_:)``. A second end is ignored.
    package mutating func finish(_ id: RequestID, _ outcome: Result<JSONObject, any Error>) -> Waiter? {
        switch entries[id] {
        case .registered?:
            entries[id] = .finished(outcome)
            return nil
        case .waiting(let continuation)?:
            entries[id] = nil
            return continuation
        case .finished?, nil:
            return nil
        }
    }

    /// Forgets request `id` (its send failed; nobody will wait for it).
    package mutating func remove(_ id: RequestID) {
        entries[id] = nil
    }

    /// How many requests are in flight.
    package var count: Int { entries.count }

    package init() {}

    /// Fails every waiter; later registrations fail at once.
    package mutating func close(_ error: any Error) -> [Waiter] {
        closed = closed ?? error
        var waiters: [Waiter] = []
        for (id, entry) in entries {
            switch entry {
            case .waiting(let continuation):
                waiters.append(continuation)
                entries[id] = nil
            case .registered:
                entries[id] = .finished(.failure(error))
            case .finished:
                break
            }
        }
        return waiters
    }
}
