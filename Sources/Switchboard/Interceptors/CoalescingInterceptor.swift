public import JSONCore
public import MCPClient
import Synchronization

/// Sends identical concurrent reads once (single flight): while one is on the wire, the same
/// request from another caller waits for its answer instead of making a second.
///
/// Only calls that are safe to repeat are merged (see ``CallSafety``). If the caller
/// that went first is cancelled, the others do not inherit the cancellation: they send again.
public final class CoalescingInterceptor: RequestInterceptor {
    public let name = "coalescing"
    /// Tools merged whatever their annotations say.
    public let tools: Set<String>

    private final class Flight: Sendable {
        /// Callers waiting for the answer, and the answer once it is in (a caller that
        /// arrives after that takes it at once).
        let state = Mutex<(waiters: [Int: CheckedContinuation<Result<JSONObject, MCPError>, Never>], outcome: Result<JSONObject, MCPError>?)>(
            ([:], nil)
        )
        let counter = Atomic<Int>(0)
    }

    /// A request on the wire: alone so far, or with others waiting for its answer. The flight
    /// object is made only when a second caller arrives, so a request nobody joins costs none.
    private enum Slot {
        case alone
        case shared(Flight)
    }

    /// Whose request it is: the same parameters with other credentials may get another answer.
    private struct Key: Hashable {
        var request: String
        var authorization: String
    }
    private let flights = Mutex<[Key: Slot]>([:])
    private let joined = Atomic<Int>(0)

    public init(tools: Set<String> = []) {
        self.tools = tools
    }

    /// How many calls waited for another's answer instead of going to the server.
    public var coalescedCount: Int { joined.load(ordering: .relaxed) }

    /// Only calls it may merge.
    public func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool {
        context.isCacheable(request, cacheable: tools)
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        guard context.isCacheable(request, cacheable: tools) else { return try await next(request, context) }
        var context = context
        // Whether the answer is private to one authorization context is only known once it
        // arrives, so only requests made with the same credentials share one.
        let key = Key(request: requestKey(request, &context), authorization: context.authorizationContext)
        let joinedFlight = flights.withLock { flights -> Flight? in
            switch flights[key] {
            case nil:
                flights[key] = .alone
                return nil
            case .alone:
                let flight = Flight()
                flights[key] = .shared(flight)
                return flight
            case .shared(let flight):
                return flight
            }
        }
        guard let flight = joinedFlight else {
            let outcome: Result<JSONObject, MCPError>
            do { outcome = .success(try await next(request, context)) } catch { outcome = .failure(error) }
            guard case .shared(let flight) = flights.withLock({ $0.removeValue(forKey: key) }) else { return try outcome.get() }
            let waiters = flight.state.withLock { state in
                state.outcome = outcome
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: outcome) }
            return try outcome.get()
        }
        joined.add(1, ordering: .relaxed)
        context.note(name, "joined a request already in flight")
        let id = flight.counter.add(1, ordering: .relaxed).newValue
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<JSONObject, MCPError>, Never>) in
                let ready: Result<JSONObject, MCPError>? = flight.state.withLock { state in
                    if let outcome = state.outcome { return outcome }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            flight.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: .failure(MCPError(.cancelled, "cancelled")))
        }
        if case .failure(let error) = outcome, error.code == .cancelled, !Task.isCancelled {
            // The leader was cancelled, not us: ask ourselves.
            return try await next(request, context)
        }
        return try outcome.get()
    }
}
