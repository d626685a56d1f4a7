public import JSONCore

/// What a completion request completes: a prompt's argument or a resource template's variable.
public enum CompletionReference: Sendable, Hashable {
    case prompt(name: String)
    case resourceTemplate(uri: String)

    public var json: JSONObject {
        switch self {
        case .prompt(let name): return ["type": "ref/prompt", "name": .string(name)]
        case .resourceTemplate(let uri): return ["type": "ref/resource", "uri": .string(uri)]
        }
    }

    public init?(json: JSONObject) {
        switch json.string("type") {
        case "ref/prompt": self = .prompt(name: json.string("name") ?? "")
        case "ref/resource": self = .resourceTemplate(uri: json.string("uri") ?? "")
        default: return nil
        }
    }
}

/// `completion/complete` parameters.
public struct CompleteParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("ref", .object)
        try json.require("argument", .object)
        guard let argument = json.object("argument") else { return }
        do {
            try argument.require("name", .string)
            try argument.require("value", .string)
        } catch { throw error.nested(in: "argument") }
    }
    public init(ref: CompletionReference, argumentName: String, value: String, context: [String: String]? = nil) {
        json = ["ref": .object(ref.json), "argument": ["name": .string(argumentName), "value": .string(value)]]
        if let context {
            var arguments = JSONObject()
            for key in context.keys.sorted() { arguments[key] = .string(context[key]!) }
            json["context"] = ["arguments": .object(arguments)]
        }
    }
    public var ref: CompletionReference? { json.object("ref").flatMap(CompletionReference.init(json:)) }
    public var argumentName: String { json.object("argument")?.string("name") ?? "" }
    public var argumentValue: String { json.object("argument")?.string("value") ?? "" }
    /// Values of other arguments already chosen.
    public var contextArguments: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in json.object("context")?.object("arguments") ?? [:] {
            if let s = value.stringValue { result[key] = s }
        }
        return result
    }
}

/// `completion/complete` result.
public struct CompleteResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCommon(json)
        try json.require("completion", .object)
        do { try json.object("completion")?.require("values", .array) } catch { throw error.nested(in: "completion") }
    }
    public init(values: [String], total: Int? = nil, hasMore: Bool? = nil) {
        var completion: JSONObject = ["values": .array(values.map(JSONValue.string))]
        completion.set("total", total)
        completion.set("hasMore", hasMore)
        json = ["completion": .object(completion)]
    }
    public var values: [String] { json.object("completion")?.strings("values") ?? [] }
    public var total: Int? { json.object("completion")?.int("total") }
    public var hasMore: Bool { json.object("completion")?.bool("hasMore") ?? false }
}
