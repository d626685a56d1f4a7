public import JSONCore
public import MCPWire

/// Where a request's side traffic goes: notifications about it, and (legacy revisions) the
/// requests the server pushes to the client while handling it.
///
/// Each connection kind provides one: stdio writes to stdout; HTTP writes to the request's
/// own response stream.
public protocol RequestChannel: Sendable {
    /// Sends a notification related to the request (progress, log messages).
    func notify(_ notification: JSONRPCNotification) async
    /// Sends a request to the client and waits for its result (legacy revisions only).
    func requestFromClient(method: String, params: JSONObject?) async throws -> JSONObject
}

/// A request that needs input from the client before it can finish (2026-07-28): the server
/// answers with an `input_required` result and the client retries.
struct InputRequiredSignal: Error {
    var requests: [(key: String, request: InputRequest)]
    var requestState: String?
}

/// An error to send back as a JSON-RPC error response.
public struct ServerError: Error, Sendable {
    public var error: JSONRPCError
    /// The HTTP status a Streamable HTTP endpoint uses for it.
    public var httpStatus: Int

    public init(code: Int, message: String, data: JSONValue? = nil, httpStatus: Int = 200) {
        self.error = JSONRPCError(code: code, message: message, data: data)
        self.httpStatus = httpStatus
    }

    public static func invalidParams(_ message: String) -> ServerError {
        ServerError(code: ErrorCode.invalidParams, message: message)
    }

    public static func methodNotFound(_ method: String) -> ServerError {
        ServerError(code: ErrorCode.methodNotFound, message: "method not found: \(method)", httpStatus: 404)
    }
}

/// Everything a handler knows about the request it serves, and what it can do besides
/// returning a result: report progress, log, and ask the client for input.
///
/// Asking for input works in both eras with one call: on a legacy connection the request is
/// pushed to the client and awaited; on a modern one the answer is taken from the retry's
/// `inputResponses`, or the request ends with `input_required` so the client can retry.
public struct RequestContext: Sendable {
    public var requestID: RequestID
    public var method: String
    public var params: JSONObject
    public var protocolVersion: ProtocolVersion
    public var clientCapabilities: ClientCapabilities
    public var clientInfo: Implementation?
    /// The least severe log level the client wants, if it asked for logs.
    public var logLevel: LoggingLevel?
    /// Who sent the request, when the transport authenticated it (a gateway's principal).
    public var caller: (any CallerIdentity)?
    let channel: any RequestChannel

    public var era: ProtocolEra { protocolVersion.era }
    public var progressToken: ProgressToken? { params.object("_meta")?["progressToken"].flatMap(RequestID.init) }
    /// Answers the client sent with this retry (2026-07-28).
    public var inputResponses: JSONObject? { params.object("inputResponses") }
    /// The state this server put in its last `input_required` result, echoed back.
    public var requestState: String? { params.string("requestState") }

    /// Sends a progress notification, if the client asked for progress.
    public func reportProgress(_ progress: Double, total: Double? = nil, message: String? = nil) async {
        guard let token = progressToken else { return }
        let params = ProgressParams(progressToken: token, progress: progress, total: total, message: message)
        await channel.notify(JSONRPCNotification(method: NotificationMethod.progress, params: params.json))
    }

    /// Sends a log message, if the client asked for this level.
    public func log(_ level: LoggingLevel, _ data: JSONValue, logger: String? = nil) async {
        guard let threshold = logLevel, level >= threshold else { return }
        let params = LoggingMessageParams(level: level, logger: logger, data: data)
        await channel.notify(JSONRPCNotification(method: NotificationMethod.message, params: params.json))
    }

    /// Asks the client for input, under `key` (which names it in `inputRequests`).
    ///
    /// - Parameter requestState: state to carry to the retry, on modern connections.
    /// - Returns: the client's result object for the request.
    public func requestInput(_ request: InputRequest, key: String, requestState: String? = nil) async throws -> JSONObject {
        if era == .modern {
            if let answer = inputResponses?.object(key) { return answer }
            throw InputRequiredSignal(requests: [(key, request)], requestState: requestState)
        }
        return try await channel.requestFromClient(method: request.method, params: request.params)
    }

    /// Asks the user for input through the client (elicitation).
    public func elicit(_ params: ElicitParams, key: String = "elicitation", requestState: String? = nil) async throws -> ElicitResult {
        guard clientCapabilities.elicitation != nil else {
            throw ServerError(
                code: era == .modern ? ErrorCode.missingRequiredClientCapability : ErrorCode.invalidRequest,
                message: "this tool needs a client that supports elicitation",
                httpStatus: 400
            )
        }
        let answer = try await requestInput(InputRequest(.elicitation(params)), key: key, requestState: requestState)
        do { return try ElicitResult(json: answer) } catch {
            throw ServerError.invalidParams("malformed elicitation result: \(error)")
        }
    }

    /// Asks the client's model for a completion (sampling).
    public func sample(
        _ params: CreateMessageParams,
        key: String = "sampling",
        requestState: String? = nil
    ) async throws
        -> CreateMessageResult
    {
        guard clientCapabilities.sampling != nil else {
            throw ServerError(
                code: era == .modern ? ErrorCode.missingRequiredClientCapability : ErrorCode.invalidRequest,
                message: "this tool needs a client that supports sampling",
                httpStatus: 400
            )
        }
        let answer = try await requestInput(InputRequest(.sampling(params)), key: key, requestState: requestState)
        do { return try CreateMessageResult(json: answer) } catch {
            throw ServerError.invalidParams("malformed sampling result: \(error)")
        }
    }
}
