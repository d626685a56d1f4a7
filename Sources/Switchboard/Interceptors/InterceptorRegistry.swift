public import JSONCore
public import MCPClient
public import SwitchboardConfiguration
import Synchronization

/// Reads one interceptor's options from its configuration object, and notices options that
/// do not exist (with a suggestion) or have the wrong type.
public struct InterceptorOptions: Sendable {
    public let name: String
    public let object: JSONObject
    public let file: String

    public init(name: String, object: JSONObject, file: String) {
        self.name = name
        self.object = object
        self.file = file
    }

    func fail(_ message: String) -> ConfigError { ConfigError(file: file, message: "interceptor \"\(name)\": \(message)") }

    /// A whole number, when present; below `minimum` is an error naming the bound.
    public func int(_ key: String, atLeast minimum: Int = .min) throws(ConfigError) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value.intValue else { throw fail("\"\(key)\" must be a whole number, not \(value.typeName)") }
        guard number >= minimum else { throw fail("\"\(key)\" must be at least \(minimum), not \(number)") }
        return number
    }

    /// A number, when present; outside `range` is an error naming the range.
    public func double(
        _ key: String,
        in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
    )
        throws(ConfigError) -> Double?
    {
        guard let value = object[key] else { return nil }
        guard let number = value.doubleValue else { throw fail("\"\(key)\" must be a number, not \(value.typeName)") }
        guard range.contains(number) else { throw fail("\"\(key)\" must be between \(range.lowerBound) and \(range.upperBound), not \(number)") }
        return number
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = object[key] else { return nil }
        guard let flag = value.boolValue else { throw fail("\"\(key)\" must be true or false, not \(value.typeName)") }
        return flag
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value.stringValue else { throw fail("\"\(key)\" must be a string, not \(value.typeName)") }
        return text
    }

    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = object[key] else { return nil }
        guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
            throw fail("\"\(key)\" must be an array of strings")
        }
        return items.compactMap(\.stringValue)
    }

    /// Throws for any option other than `known` (and `name`).
    public func allowOnly(_ known: Set<String>) throws(ConfigError) {
        for key in object.keys where key != "name" && !known.contains(key) {
            if let guess = Suggestion.closest(to: key, in: known) {
                throw fail("unknown option \"\(key)\"; did you mean \"\(guess)\"?")
            }
            throw fail("unknown option \"\(key)\"; it takes \(known.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// A duration in seconds: from zero to a year.
    func seconds(_ key: String) throws(ConfigError) -> Duration? {
        try double(key, in: 0...31_536_000).map { .milliseconds(Int64($0 * 1000)) }
    }

    /// A duration in milliseconds: from zero to a day.
    func milliseconds(_ key: String) throws(ConfigError) -> Duration? {
        try double(key, in: 0...86_400_000).map { .microseconds(Int64($0 * 1000)) }
    }
}

/// Makes interceptors by name: the built-ins, and any a program registers.
///
/// Configuration names them in order, outermost first:
/// `"interceptors": [{"name": "metrics"}, {"name": "cache", "maxEntries": 10000}, {"name": "retry"}]`.
public final class InterceptorRegistry: Sendable {
    public typealias Factory = @Sendable (InterceptorOptions) throws(ConfigError) -> any RequestInterceptor

    private let factories = Mutex<[String: Factory]>([:])

    /// A registry with the built-ins.
    public init() {
        registerBuiltIns()
    }

    /// The registry the command line and configuration files use.
    public static let standard = InterceptorRegistry()

    /// Adds (or replaces) an interceptor kind.
    public func register(_ name: String, _ factory: @escaping Factory) {
        factories.withLock { $0[name] = factory }
    }

    /// The names known.
    public var names: [String] { factories.withLock { Array($0.keys).sorted() } }

    /// Makes the interceptors a configuration array describes, in order.
    public func make(_ specifications: [JSONValue], file: String) throws(ConfigError) -> [any RequestInterceptor] {
        var made: [any RequestInterceptor] = []
        for (index, specification) in specifications.enumerated() {
            let object: JSONObject
            switch specification {
            case .string(let name): object = ["name": .string(name)]
            case .object(let o): object = o
            default: throw ConfigError(file: file, message: "interceptors[\(index)] must be a name or an object with \"name\"")
            }
            guard let name = object.string("name") else {
                throw ConfigError(file: file, message: "interceptors[\(index)] has no \"name\"")
            }
            guard let factory = factories.withLock({ $0[name] }) else {
                let hint = Suggestion.closest(to: name, in: names).map { "; did you mean \"\($0)\"?" } ?? "; known: \(names.joined(separator: ", "))"
                throw ConfigError(file: file, message: "unknown interceptor \"\(name)\"\(hint)")
            }
            made.append(try factory(InterceptorOptions(name: name, object: object, file: file)))
        }
        return made
    }

    /// The chain used when configuration names none: metrics, cache, coalescing, breaker,
    /// retry, deadline.
    public static let defaultChain: [JSONValue] = ["metrics", "cache", "coalescing", "retry", "breaker", "deadline"]

    private func registerBuiltIns() {
        register("metrics") { options throws(ConfigError) in
            try options.allowOnly([])
            return MetricsInterceptor()
        }
        register("tracing") { options throws(ConfigError) in
            try options.allowOnly([])
            return TracingInterceptor()
        }
        register("cache") { options throws(ConfigError) in
            try options.allowOnly(["maxEntries", "maxBytes", "defaultTTLSeconds", "tools"])
            var configuration = CacheInterceptor.Configuration()
            if let value = try options.int("maxEntries", atLeast: 1) { configuration.maximumEntries = value }
            if let value = try options.int("maxBytes", atLeast: 1) { configuration.maximumBytes = value }
            if let value = try options.seconds("defaultTTLSeconds") { configuration.defaultTTL = value }
            if let value = try options.strings("tools") { configuration.tools = Set(value) }
            return CacheInterceptor(configuration: configuration)
        }
        register("coalescing") { options throws(ConfigError) in
            try options.allowOnly(["tools"])
            return CoalescingInterceptor(tools: Set(try options.strings("tools") ?? []))
        }
        register("retry") { options throws(ConfigError) in
            try options.allowOnly(["maxAttempts", "initialBackoffMs", "maxBackoffMs", "budgetRatio", "budgetMinimumPerSecond", "tools"])
            var configuration = RetryInterceptor.Configuration()
            if let value = try options.int("maxAttempts", atLeast: 1) { configuration.maximumAttempts = value }
            if let value = try options.milliseconds("initialBackoffMs") { configuration.initialBackoff = value }
            if let value = try options.milliseconds("maxBackoffMs") { configuration.maximumBackoff = value }
            if let value = try options.double("budgetRatio", in: 0...1) { configuration.budgetRatio = value }
            if let value = try options.double("budgetMinimumPerSecond", in: 0...1_000_000) { configuration.budgetMinimumPerSecond = value }
            if let value = try options.strings("tools") { configuration.tools = Set(value) }
            return RetryInterceptor(configuration: configuration)
        }
        register("breaker") { options throws(ConfigError) in
            try options.allowOnly(["failureRate", "minimumCalls", "windowSize", "consecutiveFailures", "openSeconds", "halfOpenProbes", "perTool"])
            var policy = CircuitBreaker.Policy()
            if let value = try options.double("failureRate", in: 0.01...1) { policy.failureRateThreshold = value }
            if let value = try options.int("minimumCalls", atLeast: 1) { policy.minimumCalls = value }
            if let value = try options.int("windowSize", atLeast: 1) { policy.windowSize = value }
            if let value = try options.int("consecutiveFailures", atLeast: 1) { policy.consecutiveFailures = value }
            if let value = try options.seconds("openSeconds") { policy.openDuration = value }
            if let value = try options.int("halfOpenProbes", atLeast: 1) { policy.halfOpenProbes = value }
            guard policy.minimumCalls <= policy.windowSize else {
                throw options.fail(
                    "\"minimumCalls\" (\(policy.minimumCalls)) cannot exceed \"windowSize\" (\(policy.windowSize)): the failure rate would never be judged"
                )
            }
            return CircuitBreakerInterceptor(policy: policy, perTool: try options.bool("perTool") ?? false)
        }
        register("deadline") { options throws(ConfigError) in
            try options.allowOnly(["maxSeconds", "attemptSeconds"])
            return DeadlineInterceptor(maximum: try options.seconds("maxSeconds"), perAttempt: try options.seconds("attemptSeconds"))
        }
        register("concurrency") { options throws(ConfigError) in
            try options.allowOnly(["maxInFlight", "maxWaiting"])
            guard let limit = try options.int("maxInFlight", atLeast: 1) else { throw options.fail("\"maxInFlight\" is required") }
            return ConcurrencyLimitInterceptor(maximumInFlight: limit, maximumWaiting: try options.int("maxWaiting", atLeast: 0) ?? 1000)
        }
        register("rate-limit") { options throws(ConfigError) in
            try options.allowOnly(["rate", "burst", "perTool", "wait"])
            guard let rate = try options.double("rate", in: 0.001...1_000_000) else { throw options.fail("\"rate\" (calls per second) is required") }
            return RateLimitInterceptor(
                rate: rate,
                burst: try options.double("burst", in: 1...1_000_000),
                perTool: try options.bool("perTool") ?? false,
                waits: try options.bool("wait") ?? true
            )
        }
        register("pinning") { options throws(ConfigError) in
            try options.allowOnly(["mode", "file"])
            let modeName = try options.string("mode") ?? "block"
            guard let mode = ToolPinningInterceptor.Mode(rawValue: modeName) else { throw options.fail("\"mode\" must be \"block\" or \"warn\"") }
            return ToolPinningInterceptor(mode: mode, file: try options.string("file"))
        }
        register("audit") { options throws(ConfigError) in
            try options.allowOnly(["file", "principal"])
            guard let file = try options.string("file") else { throw options.fail("\"file\" (the JSON-lines log) is required") }
            return AuditInterceptor(
                sink: try JSONLinesAuditSink(path: file),
                principal: try options.string("principal") ?? AuditInterceptor.currentUser
            )
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AuditInterceptor {
    /// This process's user, from the environment.
    static var currentUser: String {
        if let user = getenv("USER") { return String(cString: user) }
        return "uid:\(getuid())"
    }
}
