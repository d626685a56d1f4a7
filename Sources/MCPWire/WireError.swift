/// A message that does not have the shape its type requires.
///
/// Raised when wrapping received JSON in a typed value: a required member is missing or has
/// the wrong JSON type. The `path` says where, so a user can find it in the raw message.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the message the problem is, as a JSON Pointer (`/content/0/type`).
    public var path: String
    /// What is wrong there.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? reason : "\(reason) at \(path)"
    }

    /// Prefixes the path with the member that led here.
    public func nested(in key: String) -> WireError {
        WireError(path: "/" + key + path, reason: reason)
    }
}
