import JSONCore

/// One run of a validator over an instance, collecting violations.
struct Evaluation {
    let validator: SchemaValidator
    let stopAtFirst: Bool
    var violations: [SchemaViolation] = []
    var evaluations = 0
    var exhausted = false

    init(validator: SchemaValidator, stopAtFirst: Bool = false) {
        self.validator = validator
        self.stopAtFirst = stopAtFirst
    }

    mutating func report(_ path: String, _ keyword: String, _ message: String) {
        violations.append(SchemaViolation(instancePath: path, keyword: keyword, message: message))
    }

    var done: Bool { exhausted || (stopAtFirst && !violations.isEmpty) }

    /// Whether `instance` passes node `index`, without recording anything.
    mutating func passes(_ index: Int, _ instance: JSONValue, path: String, depth: Int) -> Bool {
        var probe = Evaluation(validator: validator, stopAtFirst: true)
        probe.evaluations = evaluations
        probe.check(node: index, instance, path: path, depth: depth)
        evaluations = probe.evaluations
        if probe.exhausted {
            exhausted = true
            violations.append(contentsOf: probe.violations.filter { $0.keyword == "limits" })
        }
        return probe.violations.isEmpty
    }

    static func escape(_ key: String) -> String { JSONPointer.escape(key) }

    static func describe(_ value: JSONValue) -> String {
        let text = value.serializedString()
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    static func isInteger(_ value: JSONValue) -> Bool {
        switch value {
        case .int: return true
        case .double(let d): return d.isFinite && d.rounded() == d
        default: return false
        }
    }

    static func matchesType(_ type: String, _ value: JSONValue) -> Bool {
        switch type {
        case "null": return value.isNull
        case "boolean": return value.boolValue != nil
        case "integer": return isInteger(value)
        case "number": return value.isNumber
        case "string": return value.stringValue != nil
        case "array": return value.arrayValue != nil
        case "object": return value.objectValue != nil
        default: return false
        }
    }

    mutating func check(node index: Int, _ instance: JSONValue, path: String, depth: Int) {
        guard !done else { return }
        evaluations += 1
        guard depth <= validator.limits.maximumDepth, evaluations <= validator.limits.maximumEvaluations else {
            exhausted = true
            report(path, "limits", "the schema is too deep or too complex to validate within limits")
            return
        }
        let node = validator.nodes[index]
        if let constant = node.constant {
            if !constant { report(path, "false", "no value is allowed here") }
            return
        }
        if let ref = node.ref {
            check(node: ref, instance, path: path, depth: depth + 1)
        }
        if let types = node.types, !types.contains(where: { Self.matchesType($0, instance) }) {
            let expected = types.sorted().joined(separator: " or ")
            report(path, "type", "expected \(expected), got \(instance.typeName)")
            return  // other keywords would only repeat the type mismatch
        }
        if let values = node.enumValues, !values.contains(where: { $0.semanticallyEquals(instance) }) {
            let allowed = values.map(Self.describe).joined(separator: ", ")
            report(path, "enum", "\(Self.describe(instance)) is not one of \(allowed)")
        }
        if let constant = node.constValue, !constant.semanticallyEquals(instance) {
            report(path, "const", "must be \(Self.describe(constant))")
        }
        switch instance {
        case .object(let object): checkObject(node, object, path: path, depth: depth)
        case .array(let elements): checkArray(node, elements, path: path, depth: depth)
        case .string(let string): checkString(node, string, path: path)
        case .int, .double: checkNumber(node, instance.doubleValue!, path: path)
        default: break
        }
        checkComposition(node, instance, path: path, depth: depth)
    }

    mutating func checkObject(_ node: SchemaNode, _ object: JSONObject, path: String, depth: Int) {
        for name in node.required where object[name] == nil {
            report(
                path.isEmpty ? "/" + Self.escape(name) : path + "/" + Self.escape(name),
                "required",
                "required field '\(name)' is missing"
            )
        }
        if let min = node.minProperties, object.count < min {
            report(path, "minProperties", "needs at least \(min) properties, has \(object.count)")
        }
        if let max = node.maxProperties, object.count > max {
            report(path, "maxProperties", "allows at most \(max) properties, has \(object.count)")
        }
        for (name, required) in node.dependentRequired where object[name] != nil {
            for dependency in required where object[dependency] == nil {
                report(
                    path + "/" + Self.escape(dependency),
                    "dependentRequired",
                    "field '\(dependency)' is required when '\(name)' is present"
                )
            }
        }
        for (name, sub) in node.dependentSchemas where object[name] != nil {
            check(node: sub, .object(object), path: path, depth: depth + 1)
        }
        for (name, value) in object {
            let childPath = path + "/" + Self.escape(name)
            if let names = node.propertyNames {
                check(node: names, .string(name), path: childPath, depth: depth + 1)
            }
            var matched = false
            if let property = node.properties.first(where: { $0.name == name }) {
                matched = true
                check(node: property.node, value, path: childPath, depth: depth + 1)
            }
            for (pattern, sub) in node.patternProperties where validator.patterns.matches(pattern, name) {
                matched = true
                check(node: sub, value, path: childPath, depth: depth + 1)
            }
            if !matched, let additional = node.additionalProperties {
                if validator.nodes[additional].constant == false {
                    report(childPath, "additionalProperties", "unexpected field '\(name)'")
                } else {
                    check(node: additional, value, path: childPath, depth: depth + 1)
                }
            }
            if done { return }
        }
    }

    mutating func checkArray(_ node: SchemaNode, _ elements: [JSONValue], path: String, depth: Int) {
        if let min = node.minItems, elements.count < min {
            report(path, "minItems", "needs at least \(min) items, has \(elements.count)")
        }
        if let max = node.maxItems, elements.count > max {
            report(path, "maxItems", "allows at most \(max) items, has \(elements.count)")
        }
        for (i, element) in elements.enumerated() {
            if i < node.prefixItems.count {
                check(node: node.prefixItems[i], element, path: path + "/\(i)", depth: depth + 1)
            } else if let items = node.items {
                check(node: items, element, path: path + "/\(i)", depth: depth + 1)
            }
            if done { return }
        }
        if node.uniqueItems {
            outer: for i in elements.indices {
                for j in elements.indices where j > i && elements[i].semanticallyEquals(elements[j]) {
                    report(path, "uniqueItems", "items \(i) and \(j) are equal")
                    break outer
                }
            }
        }
        if let contains = node.contains {
            let count = elements.enumerated().filter { passes(contains, $0.element, path: path + "/\($0.offset)", depth: depth + 1) }.count
            let min = node.minContains ?? 1
            if count < min {
                report(path, "contains", "needs at least \(min) matching item\(min == 1 ? "" : "s"), has \(count)")
            }
            if let max = node.maxContains, count > max {
                report(path, "maxContains", "allows at most \(max) matching items, has \(count)")
            }
        }
    }

    mutating func checkString(_ node: SchemaNode, _ string: String, path: String) {
        if node.minLength != nil || node.maxLength != nil {
            // JSON Schema counts code points, not bytes or grapheme clusters.
            let length = string.unicodeScalars.count
            if let min = node.minLength, length < min {
                report(path, "minLength", "must be at least \(min) characters, is \(length)")
            }
            if let max = node.maxLength, length > max {
                report(path, "maxLength", "must be at most \(max) characters, is \(length)")
            }
        }
        if let pattern = node.pattern, !validator.patterns.matches(pattern.index, string) {
            report(path, "pattern", "does not match pattern \(pattern.source)")
        }
    }

    mutating func checkNumber(_ node: SchemaNode, _ number: Double, path: String) {
        func format(_ d: Double) -> String { d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d) }
        if let min = node.minimum, number < min { report(path, "minimum", "must be ≥ \(format(min)), is \(format(number))") }
        if let max = node.maximum, number > max { report(path, "maximum", "must be ≤ \(format(max)), is \(format(number))") }
        if let min = node.exclusiveMinimum, number <= min {
            report(path, "exclusiveMinimum", "must be > \(format(min)), is \(format(number))")
        }
        if let max = node.exclusiveMaximum, number >= max {
            report(path, "exclusiveMaximum", "must be < \(format(max)), is \(format(number))")
        }
        if let divisor = node.multipleOf {
            let quotient = number / divisor
            if quotient.isFinite, abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) {
                report(path, "multipleOf", "must be a multiple of \(format(divisor))")
            }
        }
    }

    mutating func checkComposition(_ node: SchemaNode, _ instance: JSONValue, path: String, depth: Int) {
        for sub in node.allOf { check(node: sub, instance, path: path, depth: depth + 1) }
        if !node.anyOf.isEmpty, !node.anyOf.contains(where: { passes($0, instance, path: path, depth: depth + 1) }) {
            report(path, "anyOf", "matches none of the \(node.anyOf.count) allowed shapes")
        }
        if !node.oneOf.isEmpty {
            let matching = node.oneOf.filter { passes($0, instance, path: path, depth: depth + 1) }.count
            if matching != 1 {
                report(path, "oneOf", "must match exactly one of \(node.oneOf.count) shapes, matches \(matching)")
            }
        }
        if let not = node.not, passes(not, instance, path: path, depth: depth + 1) {
            report(path, "not", "matches a shape that is not allowed")
        }
        if let condition = node.ifNode {
            if passes(condition, instance, path: path, depth: depth + 1) {
                if let then = node.thenNode { check(node: then, instance, path: path, depth: depth + 1) }
            } else if let otherwise = node.elseNode {
                check(node: otherwise, instance, path: path, depth: depth + 1)
            }
        }
    }
}
