import JSONCore
public import SwitchboardConfiguration
import Yams

/// Reads YAML configuration files into the same JSON values (and line numbers) as JSON ones,
/// so one reader checks both.
public enum YAMLConfiguration {
    /// Parses YAML text into a ``ConfigurationDocument``: scalars typed as YAML 1.2's core
    /// schema types them, each value's line and column kept by JSON Pointer, repeated keys noted.
    public static let reader: ConfigurationDocument.YAMLReader = { text, file throws(ConfigError) in
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw ConfigError(diagnostics: [diagnostic(error, file: file)])
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let node else { throw ConfigError(file: file, message: "the file is empty") }
        var builder = Builder()
        let root = try builder.value(node, pointer: "", file: file)
        let locations = builder.locations
        return ConfigurationDocument(root: root, locate: { locations[$0] }, duplicates: builder.duplicates)
    }

    private static func diagnostic(_ error: YamlError, file: String) -> ConfigDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigDiagnostic(.error, file: file, location: .init(line: mark.line, column: mark.column), message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return ConfigDiagnostic(
                .error,
                file: file,
                location: .init(line: context.mark.line, column: context.mark.column),
                message: "\(names) given twice in the mapping that starts here (a name can be defined once)"
            )
        default:
            return ConfigDiagnostic(.error, file: file, message: "not valid YAML: \(error)")
        }
    }

    private struct Builder {
        var locations: [String: JSONSourceMap.Location] = [:]
        var duplicates: [JSONSourceMap.Duplicate] = []

        mutating func value(_ node: Node, pointer: String, file: String) throws(ConfigError) -> JSONValue {
            if locations[pointer] == nil, let mark = node.mark { locations[pointer] = .init(line: mark.line, column: mark.column) }
            switch node {
            case .scalar(let scalar):
                // Quoted scalars are strings; plain ones are typed by what they look like.
                guard scalar.style == .plain else { return .string(scalar.string) }
                if ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
                if ["true", "True", "TRUE"].contains(scalar.string) { return .bool(true) }
                if ["false", "False", "FALSE"].contains(scalar.string) { return .bool(false) }
                if let number = node.int { return .int(number) }
                if scalar.string.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let number = node.float {
                    return .double(number)
                }
                return .string(scalar.string)
            case .sequence(let sequence):
                var items: [JSONValue] = []
                for (index, item) in sequence.enumerated() {
                    items.append(try value(item, pointer: pointer + "/\(index)", file: file))
                }
                return .array(items)
            case .mapping(let mapping):
                var object = JSONObject()
                for (key, item) in mapping {
                    guard let name = key.string else {
                        let mark = key.mark.map { JSONSourceMap.Location(line: $0.line, column: $0.column) }
                        throw ConfigError(diagnostics: [
                            ConfigDiagnostic(.error, file: file, location: mark, pointer: pointer, message: "keys must be strings")
                        ])
                    }
                    let child = pointer + "/" + JSONPointer.escape(name)
                    let mark = key.mark.map { JSONSourceMap.Location(line: $0.line, column: $0.column) }
                    if object[name] != nil {
                        if let mark { duplicates.append(.init(pointer: child, location: mark)) }
                    } else if let mark {
                        // A member's place is its key's, as in JSON source maps.
                        locations[child] = mark
                    }
                    object[name] = try value(item, pointer: child, file: file)
                }
                return .object(object)
            case .alias:
                // compose resolves aliases; one left is a document Yams could not resolve.
                throw ConfigError(file: file, message: "an unresolved YAML alias")
            }
        }
    }
}
