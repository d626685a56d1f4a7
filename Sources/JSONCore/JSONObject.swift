public import OrderedCollections

/// An object's members, in the order they were read or inserted.
///
/// Order is kept so that a message that is decoded and re-encoded reads the same to a
/// person. `==` compares order too; ``JSONValue/semanticallyEquals(_:)`` ignores it, as JSON does.
public struct JSONObject: Sendable, Hashable {
    @usableFromInline var storage: OrderedDictionary<String, JSONValue>

    @inlinable public init() { storage = [:] }

    @inlinable public init(minimumCapacity: Int) { storage = OrderedDictionary(minimumCapacity: minimumCapacity) }

    /// The member named `key`; assigning `nil` removes it.
    @inlinable public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }
    /// Member names in order.
    @inlinable public var keys: [String] { Array(storage.keys) }
    /// Member values in order.
    @inlinable public var values: [JSONValue] { Array(storage.values) }

    /// Removes a member and returns its value.
    @discardableResult
    @inlinable public mutating func removeValue(forKey key: String) -> JSONValue? { storage.removeValue(forKey: key) }

    /// Adds every member of `other`, replacing members of the same name.
    @inlinable public mutating func merge(_ other: JSONObject) {
        storage.reserveCapacity(storage.count + other.count)
        for (key, value) in other { storage[key] = value }
    }
}

extension JSONObject: Sequence {
    public typealias Element = (key: String, value: JSONValue)

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: OrderedDictionary<String, JSONValue>.Iterator
        @inlinable init(base: OrderedDictionary<String, JSONValue>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> Element? { base.next() }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(base: storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        storage = OrderedDictionary(minimumCapacity: elements.count)
        for (key, value) in elements { storage[key] = value }
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serializedString() }
}

extension JSONObject {
    /// Member `key` if it is a string.
    @inlinable public func string(_ key: String) -> String? { self[key]?.stringValue }
    /// Member `key` if it is a boolean.
    @inlinable public func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    /// Member `key` if it is a whole number.
    @inlinable public func int(_ key: String) -> Int? { self[key]?.intValue }
    /// Member `key` if it is a number.
    @inlinable public func double(_ key: String) -> Double? { self[key]?.doubleValue }
    /// Member `key` if it is an object.
    @inlinable public func object(_ key: String) -> JSONObject? { self[key]?.objectValue }
    /// Member `key` if it is an array.
    @inlinable public func array(_ key: String) -> [JSONValue]? { self[key]?.arrayValue }
    /// Member `key` as strings, if it is an array; elements that are not strings are skipped.
    @inlinable public func strings(_ key: String) -> [String]? { array(key)?.compactMap(\.stringValue) }
}
