public import JSONCore

/// A protocol value stored as the JSON object it was read from.
///
/// Every MCP type is a thin typed view over its members. Reading a field is a lookup;
/// members this version of Switchboard does not know (`_meta` keys, extensions, fields from
/// newer revisions) stay in ``json`` and are written back out unchanged, so nothing a server
/// or client sent is lost in a round trip.
///
/// Conformers implement ``init(uncheckedJSON:)`` and ``validate(_:)``; ``init(json:)`` checks
/// then wraps.
public protocol MCPObject: Sendable, Hashable, CustomStringConvertible {
    /// All members, known and unknown.
    var json: JSONObject { get set }
    /// Wraps members that are already known to be valid, or that the caller is building.
    init(uncheckedJSON json: JSONObject)
    /// Checks that required members are present and have the right JSON types.
    static func validate(_ json: JSONObject) throws(WireError)
}

extension MCPObject {
    /// Wraps `json` after checking that it has the shape this type requires.
    public init(json: JSONObject) throws(WireError) {
        try Self.validate(json)
        self.init(uncheckedJSON: json)
    }

    /// Wraps a JSON value that must be an object of this type's shape.
    public init(value: JSONValue) throws(WireError) {
        guard case .object(let object) = value else {
            throw WireError(path: "", reason: "expected an object, found \(value.typeName)")
        }
        try self.init(json: object)
    }

    /// This value as a JSON value.
    public var jsonValue: JSONValue { .object(json) }

    /// The compact JSON text of this value.
    public var description: String { JSONValue.object(json).serializedString() }

    /// Protocol metadata (`_meta`), including keys this library does not interpret.
    public var meta: JSONObject? {
        get { json.object("_meta") }
        set { json.set("_meta", newValue) }
    }
}

// MARK: - Reading and writing members

extension JSONObject {
    /// The member `key` wrapped as `T`, without validation (the container was validated).
    @inlinable public func wrapped<T: MCPObject>(_ key: String, as type: T.Type = T.self) -> T? {
        object(key).map(T.init(uncheckedJSON:))
    }

    /// The array member `key` with each object element wrapped as `T`.
    @inlinable public func wrappedArray<T: MCPObject>(_ key: String, as type: T.Type = T.self) -> [T] {
        guard let elements = array(key) else { return [] }
        return elements.compactMap { $0.objectValue.map(T.init(uncheckedJSON:)) }
    }

    @inlinable public mutating func set(_ key: String, _ value: JSONValue?) { self[key] = value }
    @inlinable public mutating func set(_ key: String, _ value: String?) { self[key] = value.map(JSONValue.string) }
    @inlinable public mutating func set(_ key: String, _ value: Bool?) { self[key] = value.map(JSONValue.bool) }
    @inlinable public mutating func set(_ key: String, _ value: Int?) { self[key] = value.map(JSONValue.int) }
    @inlinable public mutating func set(_ key: String, _ value: Double?) { self[key] = value.map(JSONValue.double) }
    @inlinable public mutating func set(_ key: String, _ value: JSONObject?) { self[key] = value.map(JSONValue.object) }
    @inlinable public mutating func set<T: MCPObject>(_ key: String, _ value: T?) {
        self[key] = value.map { .object($0.json) }
    }
    @inlinable public mutating func set<T: MCPObject>(_ key: String, _ values: [T]?) {
        self[key] = values.map { .array($0.map { .object($0.json) }) }
    }
    @inlinable public mutating func set(_ key: String, _ values: [String]?) {
        self[key] = values.map { .array($0.map(JSONValue.string)) }
    }
}

// MARK: - Validation helpers

/// The JSON type a member must have.
public enum MemberKind: Sendable {
    case string, bool, number, integer, object, array, any

    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.any, _): return true
        case (.string, .string), (.bool, .bool), (.object, .object), (.array, .array): return true
        case (.number, .int), (.number, .double): return true
        case (.integer, .int): return true
        case (.integer, .double(let d)): return d.rounded() == d
        default: return false
        }
    }
}

extension JSONObject {
    /// Throws unless member `key` exists and is of `kind`.
    public func require(_ key: String, _ kind: MemberKind) throws(WireError) {
        guard let value = self[key] else {
            throw WireError(path: "/" + key, reason: "required member '\(key)' is missing")
        }
        guard kind.matches(value) else {
            throw WireError(path: "/" + key, reason: "expected \(kind) for '\(key)', found \(value.typeName)")
        }
    }

    /// Throws if member `key` exists and is not of `kind` (`null` counts as absent).
    public func optional(_ key: String, _ kind: MemberKind) throws(WireError) {
        guard let value = self[key], !value.isNull else { return }
        guard kind.matches(value) else {
            throw WireError(path: "/" + key, reason: "expected \(kind) for '\(key)', found \(value.typeName)")
        }
    }

    /// Validates member `key`, if present, as `T`.
    public func optional<T: MCPObject>(_ key: String, as type: T.Type) throws(WireError) {
        guard let value = self[key], !value.isNull else { return }
        guard case .object(let object) = value else {
            throw WireError(path: "/" + key, reason: "expected object for '\(key)', found \(value.typeName)")
        }
        do { try T.validate(object) } catch { throw error.nested(in: key) }
    }

    /// Validates member `key`, which must be present, as `T`.
    public func require<T: MCPObject>(_ key: String, as type: T.Type) throws(WireError) {
        try require(key, .object)
        try optional(key, as: type)
    }

    /// Validates member `key`, if present, as an array of `T`.
    public func optionalArray<T: MCPObject>(_ key: String, of type: T.Type) throws(WireError) {
        guard let value = self[key], !value.isNull else { return }
        guard case .array(let elements) = value else {
            throw WireError(path: "/" + key, reason: "expected array for '\(key)', found \(value.typeName)")
        }
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                throw WireError(path: "/\(key)/\(index)", reason: "expected object, found \(element.typeName)")
            }
            do { try T.validate(object) } catch { throw error.nested(in: String(index)).nested(in: key) }
        }
    }

    /// Validates member `key`, which must be present, as an array of `T`.
    public func requireArray<T: MCPObject>(_ key: String, of type: T.Type) throws(WireError) {
        try require(key, .array)
        try optionalArray(key, of: type)
    }
}
