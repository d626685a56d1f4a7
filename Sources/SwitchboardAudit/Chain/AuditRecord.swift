public import JSONCore

/// One thing that happened at the gateway, as the audit log keeps it.
public struct AuditEvent: Sendable, Hashable {
    /// How it ended.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// The call answered with a result.
        case ok
        /// The tool ran and reported failure (`isError`).
        case toolError = "tool_error"
        /// It failed: the upstream server's error, a server down, a timeout.
        case error
        /// The caller's roles do not allow it.
        case denied
        /// The request carried no valid credential.
        case unauthenticated
        /// Refused because the audit log could not record it.
        case refused
    }

    /// Milliseconds since 1970.
    public var time: Int64
    /// The principal's name (`-` when nobody was authenticated).
    public var principal: String
    /// How the principal proved who it is: `api-key`, `anonymous`, or `-`.
    public var authentication: String
    /// The MCP method (`tools/call`, `resources/read`, `prompts/get`) or `authenticate`.
    public var action: String
    /// The qualified tool or prompt name, or the resource URI.
    public var target: String?
    public var outcome: Outcome
    /// The error, for outcomes other than `ok`.
    public var detail: String?
    /// How long it took, in microseconds.
    public var durationMicroseconds: Int64?
    /// The client's IP address.
    public var client: String?
    /// The upstream server the request went to (as the configuration names it).
    public var server: String?
    /// SHA-256 (hex) of the arguments in canonical JSON (keys sorted, no spaces): proves what
    /// was asked without keeping it.
    public var argumentsSHA256: String?
    /// The JSON-RPC id of the request as JSON text (`7`, `"abc"`), as its client sent it.
    public var requestID: String?
    /// The W3C trace id the request came with (`traceparent`).
    public var traceID: String?

    public init(
        time: Int64,
        principal: String,
        authentication: String,
        action: String,
        target: String? = nil,
        outcome: Outcome,
        detail: String? = nil,
        durationMicroseconds: Int64? = nil,
        client: String? = nil,
        server: String? = nil,
        argumentsSHA256: String? = nil,
        requestID: String? = nil,
        traceID: String? = nil
    ) {
        self.time = time
        self.principal = principal
        self.authentication = authentication
        self.action = action
        self.target = target
        self.outcome = outcome
        self.detail = detail
        self.durationMicroseconds = durationMicroseconds
        self.client = client
        self.server = server
        self.argumentsSHA256 = argumentsSHA256
        self.requestID = requestID
        self.traceID = traceID
    }

    /// The SHA-256 (hex) of arguments as canonical JSON (keys sorted, no whitespace), for
    /// ``argumentsSHA256``.
    public static func digest(ofArguments arguments: JSONObject) -> String {
        AuditChain.sha256Hex(JSONValue.object(arguments).serialized(options: .canonical))
    }

    /// The event as JSON, members in a fixed order (the chain hashes this form).
    public var json: JSONObject {
        var object: JSONObject = [
            "time": .int(Int(time)),
            "principal": .string(principal),
            "authentication": .string(authentication),
            "action": .string(action),
        ]
        if let target { object["target"] = .string(target) }
        object["outcome"] = .string(outcome.rawValue)
        if let detail { object["detail"] = .string(detail) }
        if let durationMicroseconds { object["durationUs"] = .int(Int(durationMicroseconds)) }
        // Added in the log's second schema; absent members keep older records' hashes as they were.
        if let client { object["client"] = .string(client) }
        if let server { object["server"] = .string(server) }
        if let argumentsSHA256 { object["argumentsSha256"] = .string(argumentsSHA256) }
        if let requestID { object["requestId"] = .string(requestID) }
        if let traceID { object["traceId"] = .string(traceID) }
        return object
    }
}

/// An event in the log: its place in the sequence, and the hashes that chain it to the one before.
public struct AuditRecord: Sendable, Hashable {
    /// 1 for the first record, one more for each after it.
    public var sequence: Int64
    public var event: AuditEvent
    /// The hash of the record before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 (hex) of the sequence, the previous hash and the event (``AuditChain/hash(sequence:previous:event:)``).
    public var hash: String

    public init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The record as `audit tail --json` prints it.
    public var json: JSONObject {
        var object: JSONObject = ["sequence": .int(Int(sequence))]
        object.merge(event.json)
        object["previousHash"] = .string(previousHash)
        object["hash"] = .string(hash)
        return object
    }
}
