public import JSONCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An interceptor that acts only before and after the rest of the chain, without wrapping it:
/// it counts, times, or refuses a call, but never repeats, answers or changes it (metrics, a
/// circuit breaker).
///
/// The chain runs such an interceptor in its own step, synchronously, instead of awaiting it:
/// an interceptor that wraps the rest costs an asynchronous frame or two per call, which at
/// 64 calls in flight was most of what the default chain cost. Conforming is the only change;
/// the order of the chain, and what each interceptor sees, stay the same.
///
/// ```swift
/// struct Stopwatch: ObservingInterceptor {
///     let name = "stopwatch"
///     func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ContinuousClock.Instant {
///         .now
///     }
///     func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ContinuousClock.Instant, outcome: Result<JSONObject, MCPError>) {
///         context.note(name, "\(ContinuousClock.now - mark)")
///     }
/// }
/// ```
public protocol ObservingInterceptor: RequestInterceptor {
    /// Runs before the rest of the chain, and returns what ``didFinish(_:context:mark:outcome:)``
    /// needs to know about this call. Throwing refuses the call: the rest of the chain does not
    /// run, ``didFinish(_:context:mark:outcome:)`` is not called, and the interceptors before
    /// this one see the error.
    func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark

    /// Runs after the rest of the chain answered or failed, with what it produced. Must be
    /// quick: it runs on the caller's path.
    func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>)
}

/// What an ``ObservingInterceptor`` carries from the start of a call to its end: when it
/// started, an object of its own, and a flag. A fixed type rather than one per interceptor, so
/// the chain passes it along without boxing or casting it.
public struct ObservationMark: Sendable {
    /// When the call started, in nanoseconds of the monotonic clock; 0 when not timed. (A raw
    /// reading: `ContinuousClock` would cost 128-bit arithmetic to make and to take apart.)
    private let startedNanoseconds: UInt64
    /// An object of the interceptor's own (metric handles, say).
    public let object: (any AnyObject & Sendable)?
    /// A flag of the interceptor's own (whether the call is a circuit breaker's probe, say).
    public let flag: Bool

    /// A mark with `object` and `flag`; `timed` reads the clock, for ``elapsed``.
    public init(timed: Bool = false, object: (any AnyObject & Sendable)? = nil, flag: Bool = false) {
        self.startedNanoseconds = timed ? Self.monotonicNanoseconds() : 0
        self.object = object
        self.flag = flag
    }

    /// The time since the mark was made, if it was `timed` (zero if not).
    public var elapsed: Duration { .nanoseconds(elapsedNanoseconds) }

    /// ``elapsed`` in nanoseconds.
    public var elapsedNanoseconds: Int64 {
        guard startedNanoseconds > 0 else { return 0 }
        return Int64(bitPattern: Self.monotonicNanoseconds() &- startedNanoseconds)
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

extension ObservingInterceptor {
    /// The same, as a wrapping interceptor: for callers that run interceptors one by one.
    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError) -> JSONObject {
        let mark = try willSend(request, context: context)
        do {
            let result = try await next(request, context)
            didFinish(request, context: context, mark: mark, outcome: .success(result))
            return result
        } catch {
            didFinish(request, context: context, mark: mark, outcome: .failure(error))
            throw error
        }
    }
}

/// An interceptor that may send a call again after an attempt fails (retries), without
/// wrapping the rest of the chain: the chain sends each attempt itself, and asks this
/// interceptor only when one fails. A call that succeeds the first time then costs a
/// synchronous ``willSendFirstAttempt(_:context:)`` instead of the asynchronous frames of a
/// wrapping interceptor (and a retry loop's state is kept only once there is something to retry).
public protocol RepeatingInterceptor: RequestInterceptor {
    /// Runs once before the first attempt.
    func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext)

    /// Runs after the attempt `context` describes failed with `failure`: waits as long as the
    /// policy says, and returns the context to send the next attempt with, or throws (`failure`
    /// itself, to give up) to let the caller see the failure.
    func nextAttempt(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        after failure: MCPError
    ) async throws(MCPError)
        -> InterceptorContext
}

extension RepeatingInterceptor {
    public func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext) {}

    /// The same, as a wrapping interceptor: for callers that run interceptors one by one.
    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError) -> JSONObject {
        willSendFirstAttempt(request, context: context)
        var context = context
        while true {
            do {
                return try await next(request, context)
            } catch {
                context = try await nextAttempt(request, context: context, after: error)
            }
        }
    }
}

/// One step of an ``InterceptorChain``, made once when the chain is made.
///
/// The subclasses hold the interceptor as its concrete type, so that a call dispatches through
/// the class rather than copying an existential out of an array and testing what it is (each
/// such copy went through the runtime's value witnesses, several times per call).
@usableFromInline
class InterceptorStage: @unchecked Sendable {
    // @unchecked: immutable, and each subclass holds one Sendable interceptor in a `let`.

    /// How the chain runs a stage.
    @usableFromInline
    enum Kind: Sendable {
        /// Awaits ``intercept(_:context:next:)``, which calls the rest of the chain.
        case wrapping
        /// Calls ``willSend(_:context:)`` and ``didFinish(_:context:mark:outcome:)`` around the rest.
        case observing
        /// Calls ``willSendFirstAttempt(_:context:)``, then sends the rest itself, asking
        /// ``nextAttempt(_:context:after:)`` after each failed attempt.
        case repeating
    }

    @usableFromInline let kind: Kind

    fileprivate init(kind: Kind) {
        self.kind = kind
    }

    /// The stage for `interceptor`.
    static func make(_ interceptor: any RequestInterceptor) -> InterceptorStage {
        // The existential is opened here, once, into the concrete type the stage holds.
        if let observer = interceptor as? any ObservingInterceptor {
            return observing(observer)
        }
        if let repeater = interceptor as? any RepeatingInterceptor {
            return repeating(repeater)
        }
        return wrapping(interceptor)
    }

    private static func observing<Observer: ObservingInterceptor>(_ observer: Observer) -> InterceptorStage {
        ObservingStage(observer)
    }

    private static func repeating<Repeater: RepeatingInterceptor>(_ repeater: Repeater) -> InterceptorStage {
        RepeatingStage(repeater)
    }

    private static func wrapping<Interceptor: RequestInterceptor>(_ interceptor: Interceptor) -> InterceptorStage {
        WrappingStage(interceptor)
    }

    @usableFromInline
    func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool {
        preconditionFailure("InterceptorStage is abstract")
    }

    @usableFromInline
    func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext) async throws(MCPError) -> JSONObject {
        preconditionFailure("InterceptorStage is abstract")
    }

    @usableFromInline
    func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        preconditionFailure("only an observing stage is asked before a call")
    }

    @usableFromInline
    func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
        preconditionFailure("only an observing stage is told after a call")
    }

    @usableFromInline
    func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext) {
        preconditionFailure("only a repeating stage is asked before a first attempt")
    }

    @usableFromInline
    func nextAttempt(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        after failure: MCPError
    ) async throws(MCPError)
        -> InterceptorContext
    {
        preconditionFailure("only a repeating stage is asked after a failed attempt")
    }
}

/// The stage for an interceptor that wraps the rest of the chain.
private class WrappingStage<Interceptor: RequestInterceptor>: InterceptorStage, @unchecked Sendable {
    let interceptor: Interceptor

    init(_ interceptor: Interceptor, kind: Kind = .wrapping) {
        self.interceptor = interceptor
        super.init(kind: kind)
    }

    override final func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool {
        interceptor.handles(request, context: context)
    }

    override final func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError) -> JSONObject {
        try await interceptor.intercept(request, context: context, next: next)
    }
}

/// The stage for an observer: it is also asked before and told after each call it handles.
private final class ObservingStage<Observer: ObservingInterceptor>: WrappingStage<Observer>, @unchecked Sendable {
    init(_ observer: Observer) {
        super.init(observer, kind: .observing)
    }

    override func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        try interceptor.willSend(request, context: context)
    }

    override func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>)
    {
        interceptor.didFinish(request, context: context, mark: mark, outcome: outcome)
    }
}

/// The stage for a repeating interceptor: asked before the first attempt and after each failed one.
private final class RepeatingStage<Repeater: RepeatingInterceptor>: WrappingStage<Repeater>, @unchecked Sendable {
    init(_ repeater: Repeater) {
        super.init(repeater, kind: .repeating)
    }

    override func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext) {
        interceptor.willSendFirstAttempt(request, context: context)
    }

    override func nextAttempt(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        after failure: MCPError
    ) async throws(MCPError)
        -> InterceptorContext
    {
        try await interceptor.nextAttempt(request, context: context, after: failure)
    }
}

/// The observers that saw a call start, in order, to be told how it ended in reverse order.
/// The first is kept inline; only a run of two or more observers allocates.
@usableFromInline
struct StartedObservers {
    @usableFromInline
    struct Started {
        let stage: InterceptorStage
        let mark: ObservationMark
    }

    private var first: Started?
    private var more: [Started] = []

    @usableFromInline init() {}

    @usableFromInline var isEmpty: Bool { first == nil }

    @usableFromInline
    mutating func append(_ stage: InterceptorStage, mark: ObservationMark) {
        if first == nil {
            first = Started(stage: stage, mark: mark)
        } else {
            more.append(Started(stage: stage, mark: mark))
        }
    }

    /// Tells each observer, innermost first, how the call ended.
    @usableFromInline
    func finish(_ request: InterceptedRequest, context: InterceptorContext, outcome: Result<JSONObject, MCPError>) {
        var index = more.count
        while index > 0 {
            index -= 1
            more[index].stage.didFinish(request, context: context, mark: more[index].mark, outcome: outcome)
        }
        if let first {
            first.stage.didFinish(request, context: context, mark: first.mark, outcome: outcome)
        }
    }
}
