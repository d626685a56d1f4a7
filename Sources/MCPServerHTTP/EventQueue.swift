import Synchronization

/// A many-writers, one-reader queue that the reader can hand from one task to another
/// (the route handler reads the first event, the response body writer the rest).
final class EventQueue<Element: Sendable>: Sendable {
    /// What a wait ends with.
    enum Wake: Sendable {
        case element(Element)
        case finished
        case timedOut
    }

    private struct State {
        var buffer: [Element] = []
        var waiter: (generation: Int, continuation: CheckedContinuation<Wake, Never>)?
        var timer: Task<Void, Never>?
        var generation = 0
        var finished = false
    }
    private let state = Mutex(State())

    func push(_ element: Element) {
        let waiter: CheckedContinuation<Wake, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                state.timer?.cancel()
                state.timer = nil
                return waiter.continuation
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: .element(element))
    }

    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            state.finished = true
            state.timer?.cancel()
            state.timer = nil
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: .finished)
    }

    /// The next element, or nil once finished and drained (or the waiting task is cancelled).
    func next() async -> Element? {
        switch await next(within: nil) {
        case .element(let element): return element
        case .finished, .timedOut: return nil
        }
    }

    /// The next element; `.timedOut` if none came within `timeout` (an SSE stream then writes a
    /// keep-alive, which is also how it notices a client that went away).
    func next(within timeout: Duration?) async -> Wake {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                let ready: Wake? = state.withLock { state in
                    if !state.buffer.isEmpty { return .element(state.buffer.removeFirst()) }
                    if state.finished || Task.isCancelled { return .finished }
                    state.generation += 1
                    state.waiter = (state.generation, continuation)
                    if let timeout {
                        // Only a wait that actually blocks pays for a timer.
                        let generation = state.generation
                        state.timer = Task { [weak self] in
                            guard (try? await Task.sleep(for: timeout)) != nil else { return }
                            self?.timeOut(generation)
                        }
                    }
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }

    private func timeOut(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            guard let waiter = state.waiter, waiter.generation == generation else { return nil }
            state.waiter = nil
            state.timer = nil
            return waiter.continuation
        }
        waiter?.resume(returning: .timedOut)
    }
}
