import JSONCore
public import MCPClient
import MCPTransport
import Synchronization

/// Tries a failed call again, but only when that is safe and useful.
///
/// - Only transient failures are retried: the connection failed or broke, time ran out, or
///   HTTP said 5xx or 429.
/// - Only calls safe to repeat (see ``CallSafety``) are retried after they may have
///   reached the server; a destructive or unannotated tool is retried only when the request
///   certainly never left (the connection could not be made).
/// - Waits grow exponentially with full jitter, honour `Retry-After`, and never outlast the
///   call's deadline.
/// - A budget caps retries at a fraction of calls (plus a small floor per second), so a server
///   that is down is not hammered by many callers; one call always gets the retries it was
///   configured with (see ``RetryBudget``).
///
/// The chain sends each attempt itself and asks this interceptor only after one fails (see
/// ``RepeatingInterceptor``), so a call that succeeds at once costs a budget deposit and no
/// asynchronous frame.
public final class RetryInterceptor: RepeatingInterceptor {
    public struct Configuration: Sendable {
        /// Attempts in all, the first included.
        public var maximumAttempts: Int
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// Retries allowed per call made, over time (0.1: at most one retry per ten calls).
        public var budgetRatio: Double
        /// Retries allowed per second whatever the ratio, so a quiet client can still retry.
        public var budgetMinimumPerSecond: Double
        /// Tools treated as safe to repeat whatever their annotations say.
        public var tools: Set<String>

        public init(
            maximumAttempts: Int = 3,
            initialBackoff: Duration = .milliseconds(50),
            maximumBackoff: Duration = .seconds(2),
            budgetRatio: Double = 0.1,
            budgetMinimumPerSecond: Double = 1,
            tools: Set<String> = []
        ) {
            self.maximumAttempts = max(1, maximumAttempts)
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.budgetRatio = budgetRatio
            self.budgetMinimumPerSecond = budgetMinimumPerSecond
            self.tools = tools
        }
    }

    public let name = "retry"
    public let configuration: Configuration
    /// One budget per server, so one failing server cannot spend the others' retries.
    private let budgets = Mutex(RecentKeyed<RetryBudget>())
    private let counters = Atomic<Int>(0)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// How many retries have been made.
    public var retryCount: Int { counters.load(ordering: .relaxed) }

    public func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext) {
        deposit(context.server)
    }

    public func nextAttempt(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        after failure: MCPError
    ) async throws(MCPError)
        -> InterceptorContext
    {
        guard context.attempt < configuration.maximumAttempts, failure.isTransient else { throw failure }
        guard failure.neverReachedServer || context.isSafeToRepeat(request, alsoSafe: configuration.tools) else {
            context.note(name, "not retried: the call is not safe to repeat and may have reached the server")
            var explained = failure
            explained.message +=
                "; not retried: the request may have reached the server, and "
                + (request.toolName.map { "tool '\($0)'" } ?? request.method)
                + " is not known to be safe to repeat (trusted read-only or idempotent annotations, or the server's safeTools)"
            throw explained
        }
        var delay = backoff(after: context.attempt)
        if let seconds = failure.transportError?.retryAfter { delay = max(delay, .milliseconds(Int64(seconds * 1000))) }
        guard delay < context.remaining else {
            context.note(name, "not retried: no time left before the deadline")
            throw failure
        }
        guard withdraw(context.server) else {
            context.note(name, "not retried: the retry budget is spent")
            throw failure
        }
        counters.add(1, ordering: .relaxed)
        context.note(name, "attempt \(context.attempt) failed (\(failure.code)); retrying in \(delay)")
        do { try await Task.sleep(for: delay) } catch { throw MCPError(.cancelled, "\(request.method) was cancelled while waiting to retry") }
        var next = context
        next.attempt += 1
        return next
    }

    private func deposit(_ server: String) {
        budgets.withLock { budgets in
            budgets.withValue(for: server, orMake: { Self.budget(configuration) }) { $0.deposit() }
        }
    }

    private func withdraw(_ server: String) -> Bool {
        budgets.withLock { budgets in
            budgets.withValue(for: server, orMake: { Self.budget(configuration) }) { $0.withdraw(now: .now) }
        }
    }

    /// A fresh budget for a server.
    static func budget(_ configuration: Configuration) -> RetryBudget {
        RetryBudget(
            ratio: configuration.budgetRatio,
            minimumPerSecond: configuration.budgetMinimumPerSecond,
            burst: Double(configuration.maximumAttempts - 1)
        )
    }

    /// Full jitter: a random wait up to the exponential bound.
    func backoff(after attempt: Int) -> Duration {
        var bound = configuration.initialBackoff
        for _ in 1..<max(1, attempt) { bound = min(bound * 2, configuration.maximumBackoff) }
        let nanoseconds = Double(bound.components.seconds) * 1e9 + Double(bound.components.attoseconds) / 1e9
        return .nanoseconds(Int64(Double.random(in: 0...1) * nanoseconds))
    }
}

/// Limits retries to a fraction of calls: each call deposits `ratio` tokens, each retry
/// withdraws one. On top, a floor of `minimumPerSecond` retries refills a bucket of `burst`
/// tokens, which starts full.
///
/// The budget protects a failing server from a crowd of callers, not one caller from itself:
/// `burst` is at least the retries one call may make (`maxAttempts - 1`), so a single call
/// (a one-shot `switchboard read --retry 3`) gets every retry it asked for, while many
/// callers failing at once are held to the ratio plus the floor's refill rate.
public struct RetryBudget: Sendable {
    public let ratio: Double
    public let minimumPerSecond: Double
    public let burst: Double
    private var balance: Double = 0
    private var floorTokens: Double
    private var lastRefill: ContinuousClock.Instant

    public init(ratio: Double, minimumPerSecond: Double, burst: Double = 0, now: ContinuousClock.Instant = .now) {
        self.ratio = ratio
        self.minimumPerSecond = minimumPerSecond
        self.burst = max(burst, minimumPerSecond)
        self.floorTokens = self.burst
        self.lastRefill = now
    }

    /// A call was made.
    public mutating func deposit() {
        balance = min(balance + ratio, max(10, ratio * 100))
    }

    /// Takes a token for one retry, if there is one.
    public mutating func withdraw(now: ContinuousClock.Instant) -> Bool {
        let elapsed = now - lastRefill
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        floorTokens = min(burst, floorTokens + seconds * minimumPerSecond)
        lastRefill = now
        if balance >= 1 {
            balance -= 1
            return true
        }
        if floorTokens >= 1 {
            floorTokens -= 1
            return true
        }
        return false
    }
}
