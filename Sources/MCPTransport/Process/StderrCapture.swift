import Synchronization

/// Keeps what a server process writes to stderr: the last lines for error messages, and
/// every line for a caller-supplied handler (a log, a terminal).
///
/// stderr is only ever read here; it is never mixed into the protocol stream.
final class StderrCapture: Sendable {
    private let tail: Mutex<[String]>
    private let limit: Int
    private let handler: (@Sendable (String) -> Void)?

    init(keep limit: Int = 20, handler: (@Sendable (String) -> Void)?) {
        self.limit = limit
        self.handler = handler
        self.tail = Mutex([])
    }

    func append(_ line: String) {
        tail.withLock { lines in
            if lines.count == limit { lines.removeFirst() }
            lines.append(line)
        }
        handler?(line)
    }

    /// The most recent lines, oldest first.
    var lastLines: [String] { tail.withLock { $0 } }
}
