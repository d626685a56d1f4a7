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
