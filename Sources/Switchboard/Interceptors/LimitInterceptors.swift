public import JSONCore
public import MCPClient
import Synchronization

/// A bulkhead: at most ``maximumInFlight`` calls to a server at once. Further calls wait
/// their turn (up to ``maximumWaiting`` of them, and never past their deadline); beyond that
/// they fail at once with ``MCPError/Code/overloaded``.
public final class ConcurrencyLimitInterceptor: RequestInterceptor {
    public let name = "concurrency"
    public let maximumInFlight: Int
    public let maximumWaiting: Int

    private struct Gate {
        var inFlight = 0
        /// Calls admitted to wait (counted when admitted, so a burst cannot overfill the queue).
        var waiting = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }
    private let gates = Mutex<[String: Gate]>([:])
    private let counter = Atomic<Int>(0)

    public init(maximumInFlight: Int, maximumWaiting: Int = 1000) {
        self.maximumInFlight = max(1, maximumInFlight)
        self.maximumWaiting = max(0, maximumWaiting)
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        let server = context.server
        try await acquire(server, context: context)
        defer { release(server) }
        return try await next(request, context)
    }

    private func acquire(_ server: String, context: InterceptorContext) async throws(MCPError) {
        enum Entry {
            case granted, full
            case wait(Int)
        }
        let id = counter.add(1, ordering: .relaxed).newValue
        let entry: Entry = gates.withLock { gates in
            var gate = gates[server, default: Gate()]
            defer { gates[server] = gate }
            if gate.inFlight < maximumInFlight {
                gate.inFlight += 1
                return .granted
            }
            guard gate.waiting < maximumWaiting else { return .full }
            gate.waiting += 1
            return .wait(id)
        }
        switch entry {
        case .granted: return
        case .full:
            throw MCPError(.overloaded, "\(maximumInFlight) calls to \(server) are in flight and \(maximumWaiting) waiting; try again later")
        case .wait:
            context.note(name, "waiting for a slot")
            // Wait for a slot, but not past the deadline.
            let granted = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await withTaskCancellationHandler {
                        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                            let immediate: Bool? = self.gates.withLock { gates in
                                if Task.isCancelled { return false }
                                if gates[server, default: Gate()].inFlight < self.maximumInFlight {
                                    gates[server, default: Gate()].inFlight += 1
                                    return true
                                }
                                gates[server, default: Gate()].waiters.append((id, continuation))
                                return nil
                            }
                            if let immediate { continuation.resume(returning: immediate) }
                        }
                    } onCancel: {
                        self.abandon(server, id)
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: context.deadline, clock: .continuous)
                    return false
                }
                var granted = await group.next() ?? false
                group.cancelAll()
                // A slot handed over while the deadline fired still counts: taking it (rather than
                // dropping the result) is what keeps the slot from leaking.
                for await result in group where result { granted = true }
                return granted
            }
            gates.withLock { $0[server]?.waiting -= 1 }
            guard granted else {
                throw MCPError(.timeout, "no slot to call \(context.server) became free before the deadline")
            }
        }
    }

    private func abandon(_ server: String, _ id: Int) {
        let waiter = gates.withLock { gates -> CheckedContinuation<Bool, Never>? in
            guard let index = gates[server]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return gates[server]!.waiters.remove(at: index).continuation
        }
        waiter?.resume(returning: false)
    }

    private func release(_ server: String) {
        let waiter = gates.withLock { gates -> CheckedContinuation<Bool, Never>? in
            guard var gate = gates[server] else { return nil }
            defer { gates[server] = gate }
            if !gate.waiters.isEmpty { return gate.waiters.removeFirst().continuation }  // the slot passes on
            gate.inFlight -= 1
            return nil
        }
        waiter?.resume(returning: true)
    }
}

/// A token-bucket rate limit per server (or per tool): ``rate`` calls a second on average,
/// bursts up to ``burst``. A call that finds no token waits for one if it would come before
/// its deadline and ``waits`` is set; otherwise it fails with ``MCPError/Code/rateLimited``
/// and a ``MCPError/retryAfter``.
public final class RateLimitInterceptor: RequestInterceptor {
    public let name = "rate-limit"
    public let rate: Double
    public let burst: Double
    public let perTool: Bool
    public let waits: Bool

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rate: Double, burst: Double? = nil, perTool: Bool = false, waits: Bool = true) {
        self.rate = max(0.001, rate)
        self.burst = max(1, burst ?? rate)
        self.perTool = perTool
        self.waits = waits
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        let key = perTool ? context.server + "\u{0}" + (request.toolName ?? request.method) : context.server
        let wait = take(key, now: .now)
        if wait > .zero {
            guard waits, wait < context.remaining else {
                refund(key)
                throw MCPError(.rateLimited, "the rate limit for \(context.server) allows no call now; try again in \(wait)", retryAfter: wait)
            }
            context.note(name, "waiting \(wait) for a token")
            do { try await Task.sleep(for: wait) } catch { throw MCPError(.cancelled, "cancelled while rate limited") }
        }
        return try await next(request, context)
    }

    /// Gives back a token reserved by a call that did not go ahead.
    private func refund(_ key: String) {
        buckets.withLock { $0[key]?.tokens += 1 }
    }

    /// Takes a token now, or reserves the next one and returns how long until it is due.
    private func take(_ key: String, now: ContinuousClock.Instant) -> Duration {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            bucket.tokens -= 1
            buckets[key] = bucket
            guard bucket.tokens < 0 else { return .zero }
            return .nanoseconds(Int64(-bucket.tokens / rate * 1e9))
        }
    }
}
