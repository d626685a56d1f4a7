/// An instant of `ContinuousClock`, held as the time since a fixed instant of this process:
/// two integers whose layout the compiler knows.
///
/// `ContinuousClock.Instant` is a resilient type of the standard library, whose size is known
/// only at run time. Every struct that stores one (a request's options, an interceptor's
/// context, an entry of the pending-request table) is then copied, tested and destroyed
/// through the runtime's value witnesses rather than inline code, on every call; at 64 calls
/// in flight that cost more than the interceptors' own work. Structs on the request path store
/// this instead, and speak `ContinuousClock.Instant` at their public API.
package struct ClockInstant: Sendable, Hashable, Comparable {
    /// The instant every reading is measured from.
    private static let origin = ContinuousClock.now

    /// The time since ``origin`` (negative for instants before it).
    private let sinceOrigin: Duration

    private init(sinceOrigin: Duration) {
        self.sinceOrigin = sinceOrigin
    }

    package init(_ instant: ContinuousClock.Instant) {
        sinceOrigin = Self.origin.duration(to: instant)
    }

    package static var now: ClockInstant { ClockInstant(ContinuousClock.now) }

    /// The same instant, as the clock's own type.
    package var instant: ContinuousClock.Instant { Self.origin.advanced(by: sinceOrigin) }

    package func duration(to other: ClockInstant) -> Duration { other.sinceOrigin - sinceOrigin }

    package static func + (instant: ClockInstant, duration: Duration) -> ClockInstant {
        ClockInstant(sinceOrigin: instant.sinceOrigin + duration)
    }

    package static func - (later: ClockInstant, earlier: ClockInstant) -> Duration { later.sinceOrigin - earlier.sinceOrigin }

    package static func < (lhs: ClockInstant, rhs: ClockInstant) -> Bool { lhs.sinceOrigin < rhs.sinceOrigin }
}
