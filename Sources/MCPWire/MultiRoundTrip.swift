public import JSONCore

/// One thing a server needs from the client before it can finish a request (2026-07-28):
/// an elicitation, a sampling call, or the list of roots. `{"method": ..., "params": ...}`.
public struct InputRequest: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("method", .string)
        try json.optional("params", .object)
        let params = json.object("params") ?? [:]
        do {
            switch json.string("method") {
            case Method.elicitationCreate: try ElicitParams.validate(params)
            case Method.samplingCreateMessage: try CreateMessageParams.validate(params)
            default: break
            }
        } catch { throw error.nested(in: "params") }
    }

    /// What is asked for.
    public enum Kind: Sendable, Hashable {
        case elicitation(ElicitParams)
        case sampling(CreateMessageParams)
        case listRoots
        /// A method this library does not know; the client answers it with an error.
        case other(method: String)
    }

    public init(_ kind: Kind) {
        switch kind {
        case .elicitation(let p): json = ["method": .string(Method.elicitationCreate), "params": .object(p.json)]
        case .sampling(let p): json = ["method": .string(Method.samplingCreateMessage), "params": .object(p.json)]
        case .listRoots: json = ["method": .string(Method.rootsList)]
        case .other(let method): json = ["method": .string(method)]
        }
    }

    public var method: String { json.string("method") ?? "" }
    public var params: JSONObject? { json.object("params") }

    public var kind: Kind {
        switch method {
        case Method.elicitationCreate: return .elicitation(ElicitParams(uncheckedJSON: params ?? [:]))
        case Method.samplingCreateMessage: return .sampling(CreateMessageParams(uncheckedJSON: params ?? [:]))
        case Method.rootsList: return .listRoots
        default: return .other(method: method)
        }
    }
}

/// The interim result that asks the client for input, then for a retry (2026-07-28).
public struct InputRequiredResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCommon(json)
        try json.optional("inputRequests", .object)
        try json.optional("requestState", .string)
        guard json["inputRequests"] != nil || json["requestState"] != nil else {
            throw WireError(path: "", reason: "an input_required result needs 'inputRequests' or 'requestState'")
        }
        for (key, value) in json.object("inputRequests") ?? [:] {
            guard case .object(let request) = value else {
                throw WireError(path: "/inputRequests/\(key)", reason: "an input request must be an object")
            }
            do { try InputRequest.validate(request) } catch { throw error.nested(in: key).nested(in: "inputRequests") }
        }
    }
    public init(inputRequests: [String: InputRequest]?, requestState: String?) {
        json = ["resultType": .string(ResultType.inputRequired.rawValue)]
        if let inputRequests {
            var object = JSONObject()
            for key in inputRequests.keys.sorted() { object[key] = .object(inputRequests[key]!.json) }
            json["inputRequests"] = .object(object)
        }
        json.set("requestState", requestState)
    }
    /// The requests to fulfil, by the server's key.
    public var inputRequests: [(key: String, request: InputRequest)] {
        (json.object("inputRequests") ?? [:]).compactMap { key, value in
            guard let object = value.objectValue else { return nil }
            return (key, InputRequest(uncheckedJSON: object))
        }
    }
    /// Opaque server state to echo back exactly on the retry.
    public var requestState: String? { json.string("requestState") }
}

/// The members a retry carries (2026-07-28): the answers, keyed like the requests, and the
/// server's state echoed back.
public struct InputRetry: Sendable, Hashable {
    public var inputResponses: JSONObject?
    public var requestState: String?

    public init(inputResponses: JSONObject?, requestState: String?) {
        self.inputResponses = inputResponses
        self.requestState = requestState
    }

    /// Reads them from a request's params.
    public init(params: JSONObject?) {
        inputResponses = params?.object("inputResponses")
        requestState = params?.string("requestState")
    }

    /// Adds them to a request's params, replacing any from an earlier round.
    public func apply(to params: inout JSONObject) {
        params["inputResponses"] = nil
        params["requestState"] = nil
        params.set("inputResponses", inputResponses)
        params.set("requestState", requestState)
    }
}
