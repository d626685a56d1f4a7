/// The first value `match` finds in `stream`, or an error once `timeout` passes.
public func firstMatch<Element: Sendable, Value: Sendable>(
    in stream: AsyncStream<Element>,
    within timeout: Duration,
    _ match: @escaping @Sendable (Element) -> Value?
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask {
            for await element in stream {
                if let value = match(element) { return value }
            }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw StreamTimeout(description: "nothing matched within \(timeout)") }
        return first
    }
}

public struct StreamTimeout: Error, CustomStringConvertible {
    public var description: String
}

extension Error {
    /// The seconds in a timeout's message ("... timed out after 0.3 seconds"), to tell which
    /// deadline ended a call without timing it.
    public var timedOutAfterSeconds: Double? {
        let text = "\(self)"
        guard let range = text.range(of: "timed out after ") else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
}
