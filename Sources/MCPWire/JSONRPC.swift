public import JSONCore

/// The error object of a JSON-RPC error response, as it appears on the wire.
///
/// This is the peer's statement, kept apart from the local error types that wrap it.
public struct JSONRPCError: Sendable, Hashable, Error, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var jsonValue: JSONValue {
        var object: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }
}

/// A request: it has an id and expects exactly one response.
public struct JSONRPCRequest: Sendable, Hashable {
    public var id: RequestID
    public var method: String
    public var params: JSONObject?

    public init(id: RequestID, method: String, params: JSONObject? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// A notification: no id, no response.
public struct JSONRPCNotification: Sendable, Hashable {
    public var method: String
    public var params: JSONObject?

    public init(method: String, params: JSONObject? = nil) {
        self.method = method
        self.params = params
    }
}

/// A successful response. MCP results are always objects.
public struct JSONRPCResponse: Sendable, Hashable {
    public var id: RequestID
    public var result: JSONObject

    public init(id: RequestID, result: JSONObject) {
        self.id = id
        self.result = result
    }
}

/// An error response. The id is absent when the request could not be read.
public struct JSONRPCErrorResponse: Sendable, Hashable {
    public var id: RequestID?
    public var error: JSONRPCError

    public init(id: RequestID?, error: JSONRPCError) {
        self.id = id
        self.error = error
    }
}

/// Any one JSON-RPC 2.0 message.
///
/// Decoding reads the text once into a JSON tree and routes by `id` and `method`; the
/// `params` or `result` object is kept as it is and only wrapped in a typed value by the
/// code that asked for it.
public enum JSONRPCMessage: Sendable, Hashable {
    case request(JSONRPCRequest)
    case notification(JSONRPCNotification)
    case response(JSONRPCResponse)
    case errorResponse(JSONRPCErrorResponse)

    /// The id of a request or response.
    public var id: RequestID? {
        switch self {
        case .request(let r): return r.id
        case .response(let r): return r.id
        case .errorResponse(let r): return r.id
        case .notification: return nil
        }
    }

    /// The method of a request or notification.
    public var method: String? {
        switch self {
        case .request(let r): return r.method
        case .notification(let n): return n.method
        default: return nil
        }
    }

    /// The parameters of a request or notification.
    public var params: JSONObject? {
        switch self {
        case .request(let r): return r.params
        case .notification(let n): return n.params
        default: return nil
        }
    }
}

extension JSONRPCMessage {
    /// Reads messages from one frame of UTF-8 JSON text.
    ///
    /// A frame holds one message, or (in revision 2025-03-26 only) a batch: an array of
    /// messages, which is returned in order.
    public static func decodeFrame(_ bytes: UnsafeBufferPointer<UInt8>) throws(WireError) -> [JSONRPCMessage] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw WireError(path: "", reason: error.description)
        }
        return try messages(from: value)
    }

    /// Reads messages from one frame of JSON text held in any byte collection.
    public static func decodeFrame(_ bytes: some Collection<UInt8>) throws(WireError) -> [JSONRPCMessage] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw WireError(path: "", reason: error.description)
        }
        return try messages(from: value)
    }

    /// Reads one message, or a batch, from a parsed JSON value.
    public static func messages(from value: JSONValue) throws(WireError) -> [JSONRPCMessage] {
        switch value {
        case .object(let object):
            return [try JSONRPCMessage(object: object)]
        case .array(let elements):
            guard !elements.isEmpty else { throw WireError(path: "", reason: "empty batch") }
            var result: [JSONRPCMessage] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .object(let object) = element else {
                    throw WireError(path: "/\(index)", reason: "batch element is not an object")
                }
                do { result.append(try JSONRPCMessage(object: object)) } catch {
                    throw error.nested(in: String(index))
                }
            }
            return result
        default:
            throw WireError(path: "", reason: "a JSON-RPC message must be an object, found \(value.typeName)")
        }
    }

    /// Classifies one JSON object as a request, notification, response or error.
    public init(object: JSONObject) throws(WireError) {
        guard object["jsonrpc"] == .string("2.0") else {
            throw WireError(path: "/jsonrpc", reason: "missing or wrong 'jsonrpc' member (must be \"2.0\")")
        }
        let params: JSONObject?
        switch object["params"] {
        case nil, .null?: params = nil
        case .object(let p)?: params = p
        case let other?:
            throw WireError(path: "/params", reason: "params must be an object, found \(other.typeName)")
        }
        if let methodValue = object["method"] {
            guard case .string(let method) = methodValue else {
                throw WireError(path: "/method", reason: "method must be a string")
            }
            if let idValue = object["id"] {
                guard let id = RequestID(idValue) else {
                    throw WireError(path: "/id", reason: "id must be a string or an integer")
                }
                self = .request(JSONRPCRequest(id: id, method: method, params: params))
            } else {
                self = .notification(JSONRPCNotification(method: method, params: params))
            }
            return
        }
        if let errorValue = object["error"] {
            guard case .object(let error) = errorValue, let code = error.int("code") else {
                throw WireError(path: "/error", reason: "error must be an object with an integer 'code'")
            }
            let id = object["id"].flatMap(RequestID.init)
            let message = error.string("message") ?? ""
            self = .errorResponse(
                JSONRPCErrorResponse(id: id, error: JSONRPCError(code: code, message: message, data: error["data"]))
            )
            return
        }
        if let resultValue = object["result"] {
            guard let idValue = object["id"], let id = RequestID(idValue) else {
                throw WireError(path: "/id", reason: "a response needs a string or integer id")
            }
            guard case .object(let result) = resultValue else {
                throw WireError(path: "/result", reason: "an MCP result must be an object, found \(resultValue.typeName)")
            }
            self = .response(JSONRPCResponse(id: id, result: result))
            return
        }
        throw WireError(path: "", reason: "not a JSON-RPC message: no 'method', 'result' or 'error'")
    }

    /// Appends the compact JSON text of this message to `bytes`, with no trailing newline.
    ///
    /// The envelope is written directly; only `params` and `result` go through the value writer.
    public func encode(into bytes: inout [UInt8]) {
        JSONWriter.append("{\"jsonrpc\":\"2.0\"", to: &bytes)
        switch self {
        case .request(let request):
            JSONWriter.append(",\"id\":", to: &bytes)
            Self.writeID(request.id, into: &bytes)
            JSONWriter.append(",\"method\":", to: &bytes)
            JSONWriter.writeString(request.method, into: &bytes)
            if let params = request.params {
                JSONWriter.append(",\"params\":", to: &bytes)
                JSONWriter.writeObject(params, into: &bytes, options: .compact)
            }
        case .notification(let notification):
            JSONWriter.append(",\"method\":", to: &bytes)
            JSONWriter.writeString(notification.method, into: &bytes)
            if let params = notification.params {
                JSONWriter.append(",\"params\":", to: &bytes)
                JSONWriter.writeObject(params, into: &bytes, options: .compact)
            }
        case .response(let response):
            JSONWriter.append(",\"id\":", to: &bytes)
            Self.writeID(response.id, into: &bytes)
            JSONWriter.append(",\"result\":", to: &bytes)
            JSONWriter.writeObject(response.result, into: &bytes, options: .compact)
        case .errorResponse(let response):
            JSONWriter.append(",\"id\":", to: &bytes)
            if let id = response.id { Self.writeID(id, into: &bytes) } else { JSONWriter.append("null", to: &bytes) }
            JSONWriter.append(",\"error\":", to: &bytes)
            JSONWriter.write(response.error.jsonValue, into: &bytes, options: .compact, indent: 0)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// The compact JSON text of this message.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        encode(into: &bytes)
        return bytes
    }

    /// This message as a JSON value.
    public var jsonValue: JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0"]
        switch self {
        case .request(let r):
            object["id"] = r.id.jsonValue
            object["method"] = .string(r.method)
            if let p = r.params { object["params"] = .object(p) }
        case .notification(let n):
            object["method"] = .string(n.method)
            if let p = n.params { object["params"] = .object(p) }
        case .response(let r):
            object["id"] = r.id.jsonValue
            object["result"] = .object(r.result)
        case .errorResponse(let e):
            object["id"] = e.id?.jsonValue ?? .null
            object["error"] = e.error.jsonValue
        }
        return .object(object)
    }

    @inline(__always)
    static func writeID(_ id: RequestID, into bytes: inout [UInt8]) {
        switch id {
        case .int(let i): JSONWriter.writeInt(i, into: &bytes)
        case .string(let s): JSONWriter.writeString(s, into: &bytes)
        }
    }
}
