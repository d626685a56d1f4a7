import Synchronization

/// A place for one waiter, resumed at most once from any thread, whichever comes first:
/// the waiter arriving or the value.
package final class ContinuationSlot<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value, any Error>)
        case done(Result<Value, any Error>)
        case consumed
    }
    private let state = Mutex(State.empty)

    package init() {}

    /// Waits for the value.
    package func wait() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .done(let result):
                    state = .consumed
                    return result
                default:
                    state = .waiting(continuation)
                    return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Waits for the value at most `limit`; then the slot is settled with `onTimeout` (and a
    /// value that comes later is dropped). The limit is a child task sleeping until it, which
    /// ends as soon as the wait does: nothing outlives the call.
    package func wait(atMost limit: Duration, onTimeout: @escaping @Sendable () -> Result<Value, any Error>) async throws -> Value {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: limit)
                self.complete(onTimeout())
            }
            defer { group.cancelAll() }
            return try await self.wait()
        }
    }

    /// Delivers the value. Returns whether this call delivered it (false if already done).
    @discardableResult
    package func resume(returning value: Value) -> Bool { complete(.success(value)) }

    /// Delivers an error. Returns whether this call delivered it.
    @discardableResult
    package func resume(throwing error: any Error) -> Bool { complete(.failure(error)) }

    @discardableResult
    private func complete(_ result: Result<Value, any Error>) -> Bool {
        let action: (CheckedContinuation<Value, any Error>?, Bool) = state.withLock { state in
            switch state {
            case .empty:
                state = .done(result)
                return (nil, true)
            case .waiting(let continuation):
                state = .consumed
                return (continuation, true)
            case .done, .consumed:
                return (nil, false)
            }
        }
        action.0?.resume(with: result)
        return action.1
    }
}
