import JSONCore

/// Turns a schema document into ``SchemaNode``s, resolving `$ref`s within it.
struct SchemaCompiler {
    let root: JSONValue
    var nodes: [SchemaNode] = []
    var unenforced: Set<String> = []
    var patternSources: [String] = []
    /// Nodes already compiled, by the JSON Pointer of their schema, so each is compiled once
    /// and references to it (including recursive ones) share it.
    var compiledPointers: [String: Int] = [:]
    /// `$anchor` names mapped to their JSON Pointers.
    var anchors: [String: String] = [:]

    init(root: JSONValue) { self.root = root }

    mutating func compileRoot() throws(SchemaError) {
        collectAnchors(root, pointer: "")
        _ = try compile(root, pointer: "")
    }

    mutating func collectAnchors(_ value: JSONValue, pointer: String) {
        switch value {
        case .object(let object):
            if let anchor = object.string("$anchor") { anchors[anchor] = pointer }
            for (key, child) in object { collectAnchors(child, pointer: pointer + "/" + escape(key)) }
        case .array(let elements):
            for (index, child) in elements.enumerated() { collectAnchors(child, pointer: pointer + "/\(index)") }
        default: break
        }
    }

    func escape(_ key: String) -> String { JSONPointer.escape(key) }

    func unescape(_ token: Substring) -> String { JSONPointer.unescape(JSONPointer.percentDecode(String(token))) }

    /// The value at a JSON Pointer within the document.
    func resolve(pointer: String) -> JSONValue? {
        var current = root
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = unescape(token)
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(key), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    mutating func compileReference(_ reference: String, at pointer: String) throws(SchemaError) -> Int {
        let target: String
        if reference == "#" || reference.isEmpty {
            target = ""
        } else if reference.hasPrefix("#/") {
            target = String(reference.dropFirst())
        } else if reference.hasPrefix("#"), let anchored = anchors[String(reference.dropFirst())] {
            target = anchored
        } else {
            throw SchemaError(
                schemaPath: pointer,
                reason: "$ref '\(reference)' points outside this schema; external references are not fetched"
            )
        }
        guard let value = resolve(pointer: target) else {
            throw SchemaError(schemaPath: pointer, reason: "$ref '\(reference)' does not resolve within the schema")
        }
        return try compile(value, pointer: target)
    }

    mutating func compile(_ schema: JSONValue, pointer: String) throws(SchemaError) -> Int {
        if let existing = compiledPointers[pointer] { return existing }
        let index = nodes.count
        nodes.append(SchemaNode())
        compiledPointers[pointer] = index
        var node = SchemaNode()

        switch schema {
        case .bool(let value):
            node.constant = value
            nodes[index] = node
            return index
        case .object:
            break
        default:
            throw SchemaError(schemaPath: pointer, reason: "a schema must be an object or a boolean")
        }
        let object = schema.objectValue!
        let draft4Style = object.string("$schema")?.contains("draft-04") == true

        func child(_ key: String) -> String { pointer + "/" + escape(key) }

        for (key, value) in object {
            switch key {
            case "type":
                switch value {
                case .string(let t): node.types = [t]
                case .array(let ts): node.types = Set(ts.compactMap(\.stringValue))
                default: throw SchemaError(schemaPath: child(key), reason: "type must be a string or an array")
                }
            case "enum":
                guard case .array(let values) = value else {
                    throw SchemaError(schemaPath: child(key), reason: "enum must be an array")
                }
                node.enumValues = values
            case "const": node.constValue = value
            case "$ref":
                guard case .string(let reference) = value else {
                    throw SchemaError(schemaPath: child(key), reason: "$ref must be a string")
                }
                node.ref = try compileReference(reference, at: child(key))
            case "properties":
                guard case .object(let properties) = value else {
                    throw SchemaError(schemaPath: child(key), reason: "properties must be an object")
                }
                for (name, subschema) in properties {
                    node.properties.append((name, try compile(subschema, pointer: child(key) + "/" + escape(name))))
                }
            case "required":
                node.required = value.arrayValue?.compactMap(\.stringValue) ?? []
            case "additionalProperties": node.additionalProperties = try compile(value, pointer: child(key))
            case "patternProperties":
                guard case .object(let patterns) = value else {
                    throw SchemaError(schemaPath: child(key), reason: "patternProperties must be an object")
                }
                for (pattern, subschema) in patterns {
                    patternSources.append(pattern)
                    let sub = try compile(subschema, pointer: child(key) + "/" + escape(pattern))
                    node.patternProperties.append((patternSources.count - 1, sub))
                }
            case "propertyNames": node.propertyNames = try compile(value, pointer: child(key))
            case "minProperties": node.minProperties = value.intValue
            case "maxProperties": node.maxProperties = value.intValue
            case "dependentRequired":
                for (name, list) in value.objectValue ?? [:] {
                    node.dependentRequired.append((name, list.arrayValue?.compactMap(\.stringValue) ?? []))
                }
            case "dependentSchemas":
                for (name, subschema) in value.objectValue ?? [:] {
                    node.dependentSchemas.append((name, try compile(subschema, pointer: child(key) + "/" + escape(name))))
                }
            case "dependencies":
                // Draft-07: an array means dependentRequired, a schema means dependentSchemas.
                for (name, dependency) in value.objectValue ?? [:] {
                    if case .array(let list) = dependency {
                        node.dependentRequired.append((name, list.compactMap(\.stringValue)))
                    } else {
                        node.dependentSchemas.append(
                            (name, try compile(dependency, pointer: child(key) + "/" + escape(name)))
                        )
                    }
                }
            case "prefixItems":
                for (i, subschema) in (value.arrayValue ?? []).enumerated() {
                    node.prefixItems.append(try compile(subschema, pointer: child(key) + "/\(i)"))
                }
            case "items":
                if case .array(let tuple) = value {
                    // Draft-07 tuple form: positional schemas, with additionalItems for the rest.
                    for (i, subschema) in tuple.enumerated() {
                        node.prefixItems.append(try compile(subschema, pointer: child(key) + "/\(i)"))
                    }
                    if let additional = object["additionalItems"] {
                        node.items = try compile(additional, pointer: child("additionalItems"))
                    }
                } else {
                    node.items = try compile(value, pointer: child(key))
                }
            case "additionalItems":
                break  // handled with the tuple form of items; ignored otherwise, as in 2020-12
            case "contains": node.contains = try compile(value, pointer: child(key))
            case "minContains": node.minContains = value.intValue
            case "maxContains": node.maxContains = value.intValue
            case "minItems": node.minItems = value.intValue
            case "maxItems": node.maxItems = value.intValue
            case "uniqueItems": node.uniqueItems = value.boolValue ?? false
            case "minimum": node.minimum = value.doubleValue
            case "maximum": node.maximum = value.doubleValue
            case "exclusiveMinimum":
                if case .bool(let exclusive) = value {
                    // Draft-04: a flag that makes minimum exclusive.
                    if exclusive, let minimum = object.double("minimum") { node.exclusiveMinimum = minimum }
                    _ = draft4Style
                } else {
                    node.exclusiveMinimum = value.doubleValue
                }
            case "exclusiveMaximum":
                if case .bool(let exclusive) = value {
                    if exclusive, let maximum = object.double("maximum") { node.exclusiveMaximum = maximum }
                } else {
                    node.exclusiveMaximum = value.doubleValue
                }
            case "multipleOf":
                guard let m = value.doubleValue, m > 0 else {
                    throw SchemaError(schemaPath: child(key), reason: "multipleOf must be a number above 0")
                }
                node.multipleOf = m
            case "minLength": node.minLength = value.intValue
            case "maxLength": node.maxLength = value.intValue
            case "pattern":
                guard case .string(let source) = value else {
                    throw SchemaError(schemaPath: child(key), reason: "pattern must be a string")
                }
                patternSources.append(source)
                node.pattern = (patternSources.count - 1, source)
            case "allOf", "anyOf", "oneOf":
                guard case .array(let subschemas) = value, !subschemas.isEmpty else {
                    throw SchemaError(schemaPath: child(key), reason: "\(key) must be a non-empty array")
                }
                var indexes: [Int] = []
                for (i, subschema) in subschemas.enumerated() {
                    indexes.append(try compile(subschema, pointer: child(key) + "/\(i)"))
                }
                switch key {
                case "allOf": node.allOf = indexes
                case "anyOf": node.anyOf = indexes
                default: node.oneOf = indexes
                }
            case "not": node.not = try compile(value, pointer: child(key))
            case "if": node.ifNode = try compile(value, pointer: child(key))
            case "then": node.thenNode = try compile(value, pointer: child(key))
            case "else": node.elseNode = try compile(value, pointer: child(key))
            case "$defs", "definitions":
                // Compiled when referenced.
                break
            default:
                if SchemaKeywords.recognizedButUnenforced.contains(key) {
                    unenforced.insert(key)
                }
            // Anything else is an annotation or an extension (x-*, x-mcp-header): no assertion.
            }
        }
        nodes[index] = node
        return index
    }
}
