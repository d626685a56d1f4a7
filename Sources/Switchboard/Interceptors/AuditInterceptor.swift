public import JSONCore
public import MCPClient
import MCPWire
public import SwitchboardConfiguration
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One call, as the audit log records it: who, where, what (the arguments only as a hash),
/// how it ended and how long it took.
public struct AuditEvent: Sendable, Hashable {
    /// Seconds since 1970, with fractions.
    public var time: Double
    public var principal: String
    public var server: String
    public var method: String
    public var tool: String?
    /// SHA-256 of the arguments in canonical form; the arguments themselves are not kept.
    public var argumentsHash: String
    /// `ok`, `tool_error`, or an error code (`timeout`, `circuitOpen`, ...).
    public var outcome: String
    public var durationMilliseconds: Double

    public var jsonValue: JSONValue {
        var object: JSONObject = [
            "time": .double(time), "principal": .string(principal), "server": .string(server), "method": .string(method),
        ]
        object["tool"] = tool.map(JSONValue.string) ?? .null
        object["argumentsSha256"] = .string(argumentsHash)
        object["outcome"] = .string(outcome)
        object["durationMs"] = .double((durationMilliseconds * 1000).rounded() / 1000)
        return .object(object)
    }
}

/// Where audit events go. Implementations must return quickly (buffer if they must).
public protocol AuditSink: Sendable {
    func record(_ event: AuditEvent)
}

/// Appends each event as one JSON line to a file.
public final class JSONLinesAuditSink: AuditSink {
    public let path: String
    private let descriptor: Mutex<Int32>

    /// Opens (creating if needed) `path` for appending.
    public init(path: String) throws(ConfigError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw ConfigError(file: path, message: "cannot open the audit log for appending: \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.descriptor = Mutex(fd)
    }

    public func record(_ event: AuditEvent) {
        var line = event.jsonValue.serialized()
        line.append(UInt8(ascii: "\n"))
        descriptor.withLock { fd in
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    deinit {
        descriptor.withLock { _ = close($0) }
    }
}

/// Records one ``AuditEvent`` per call in an ``AuditSink``.
public struct AuditInterceptor: ObservingInterceptor {
    public let name = "audit"
    public let sink: any AuditSink
    /// Who the calls are made for (a user name, a service account).
    public let principal: String

    public init(sink: any AuditSink, principal: String) {
        self.sink = sink
        self.principal = principal
    }

    /// The hash of a call's arguments, from its start to its end.
    final class ArgumentsHash: Sendable {
        let text: String
        init(_ text: String) { self.text = text }
    }

    public func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        ObservationMark(
            timed: true,
            object: ArgumentsHash(Hex.sha256(JSONValue.object(request.params.object("arguments") ?? request.params).serialized(options: .canonical)))
        )
    }

    public func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
        let label: String
        switch outcome {
        case .success(let result): label = request.method == Method.toolsCall && result.bool("isError") == true ? "tool_error" : "ok"
        case .failure(let error): label = error.code.description
        }
        let elapsed = mark.elapsed
        let argumentsHash = (mark.object as? ArgumentsHash)?.text ?? ""
        sink.record(
            AuditEvent(
                time: Self.now(),
                principal: principal,
                server: context.server,
                method: request.method,
                tool: request.toolName,
                argumentsHash: argumentsHash,
                outcome: label,
                durationMilliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            )
        )
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
