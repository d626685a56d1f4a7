/// Counts the bad credentials each client address sends, and says when an address has sent
/// too many: `limit` failures within a window of `window` seconds blocks it until that window
/// ends. A pure value: the caller gives the time, so every rule is tested without a clock.
///
/// The table holds at most ``capacity`` addresses; when it is full, windows that have ended
/// are dropped, and then the oldest window, so that many addresses cannot exhaust memory.
public struct FailureLimiter: Sendable {
    struct Window: Sendable {
        var start: Double
        var failures: Int
    }

    /// What a request from an address may do.
    public enum Decision: Sendable, Hashable {
        case proceed
        /// Refused without looking at the credential, for this many more seconds.
        case blocked(retryAfter: Int)
    }

    public let limit: Int
    public let window: Double
    public let capacity: Int
    var windows: [String: Window] = [:]

    public init(limit: Int, windowSeconds: Int, capacity: Int = 10_000) {
        precondition(limit > 0 && windowSeconds > 0 && capacity > 0, "a limit, a window and a capacity are positive")
        self.limit = limit
        self.window = Double(windowSeconds)
        self.capacity = capacity
    }

    /// Whether a request with a credential from `address` is looked at, at `now` (seconds).
    public func decision(for address: String, now: Double) -> Decision {
        guard let current = windows[address], now - current.start < window, current.failures >= limit else { return .proceed }
        return .blocked(retryAfter: max(1, Int((current.start + window - now).rounded(.up))))
    }

    /// Counts a bad credential from `address`; true when this failure is the one that blocks it.
    @discardableResult
    public mutating func recordFailure(from address: String, now: Double) -> Bool {
        if var current = windows[address], now - current.start < window {
            current.failures += 1
            windows[address] = current
            return current.failures == limit
        }
        if windows[address] == nil && windows.count >= capacity { makeRoom(now: now) }
        windows[address] = Window(start: now, failures: 1)
        return limit == 1
    }

    /// How many addresses are being counted.
    public var trackedAddresses: Int { windows.count }

    mutating func makeRoom(now: Double) {
        windows = windows.filter { now - $0.value.start < window }
        if windows.count >= capacity, let oldest = windows.min(by: { $0.value.start < $1.value.start }) {
            windows[oldest.key] = nil
        }
        precondition(windows.count < capacity, "room was made for one more address")
    }
}
