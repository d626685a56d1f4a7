/// Values by string key that remember the last key asked for.
///
/// An interceptor keeps state per server (or per server and tool), and a session's calls name
/// the same one again and again: comparing the key with the last one is far cheaper than
/// hashing it on every call. The value for the last key lives outside the dictionary, so it
/// is changed in place with no lookup.
struct RecentKeyed<Value> {
    private var others: [String: Value] = [:]
    private var recentKey: String?
    private var recent: Value?

    /// Runs `body` on the value for `key`, made by `make` the first time.
    mutating func withValue<Result>(for key: String, orMake make: () -> Value, _ body: (inout Value) -> Result) -> Result {
        if recentKey != key {
            if let previous = recentKey, let value = recent { others[previous] = value }
            recent = others.removeValue(forKey: key) ?? make()
            recentKey = key
        }
        return body(&recent!)
    }

    /// The value for `key`, if there is one.
    func value(for key: String) -> Value? {
        key == recentKey ? recent : others[key]
    }
}

extension RecentKeyed: Sendable where Value: Sendable {}
