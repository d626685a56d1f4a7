import JSONCore

extension ConfigurationReader {
    /// Reads the top-level `"gateway"` object. An entry that cannot be used is an error, never
    /// skipped: a gateway that quietly lost a key would refuse its owner, and one that lost a
    /// setting it did not know would admit callers it should not.
    static func readGateway(_ value: JSONValue, at pointer: String, secrets: SecretReader, _ context: inout Context) -> GatewaySettings? {
        guard
            let object = context.group(value, at: pointer, "\"gateway\"", known: GatewaySettings.keys, expected: "an object")
        else { return nil }
        var settings = GatewaySettings()
        guard let value = object["apiKeys"] else { return settings }
        let listPointer = pointer + "/apiKeys"
        var names: Set<String> = []
        for (index, item) in (context.array(value, at: listPointer, "\"gateway.apiKeys\"") ?? []).enumerated() {
            let at = listPointer + "/\(index)"
            let what = "\"gateway.apiKeys\" item \(index)"
            guard let entry = context.group(item, at: at, what, known: GatewaySettings.apiKeyKeys, expected: "an object") else { continue }
            guard let nameValue = entry["name"], let name = context.string(nameValue, at: at + "/name", what + " \"name\""), !name.isEmpty
            else {
                if entry["name"] == nil || entry["name"]?.stringValue == "" { context.error(at, what + " needs a non-empty \"name\"") }
                continue
            }
            guard names.insert(name).inserted else {
                context.error(
                    at + "/name",
                    "two API keys are named \"\(name)\"; each needs a name of its own (the audit log tells callers apart by it)"
                )
                continue
            }
            let label = "the API key \"\(name)\""
            guard let keyValue = entry["key"] else {
                context.error(at, "\(label) needs a \"key\": {\"env\": NAME}, {\"file\": path} or {\"sha256\": hex}")
                continue
            }
            let key: GatewaySettings.APIKeySetting.Key
            switch keyValue {
            case .object(let source) where source.count == 1 && source["sha256"] != nil:
                guard let hex = source["sha256"]?.stringValue, hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                    context.error(at + "/key/sha256", "\(label): \"sha256\" must be 64 hex digits (as `switchboard keys create` prints)")
                    continue
                }
                key = .sha256(hex.lowercased())
            case .object:
                guard let secret = secrets.read(keyValue, at: at + "/key", label, &context) else { continue }
                guard secret.count >= 16 else {
                    context.error(
                        at + "/key",
                        "\(label) is \(secret.count) characters; a gateway key needs at least 16 (make one with `switchboard keys create`)"
                    )
                    continue
                }
                key = .secret(secret)
            default:
                context.error(
                    at + "/key",
                    "\(label): \"key\" must be {\"env\": NAME}, {\"file\": path} or {\"sha256\": hex}, not \(keyValue.typeName); a key is never written in the file"
                )
                continue
            }
            var roles: [String] = []
            if let rolesValue = entry["roles"] {
                guard let list = context.strings(rolesValue, at: at + "/roles", "\(label)'s \"roles\"") else { continue }
                if let empty = list.firstIndex(where: \.isEmpty) {
                    context.error(at + "/roles/\(empty)", "\(label) has an empty role name")
                    continue
                }
                roles = list
            }
            settings.apiKeys.append(GatewaySettings.APIKeySetting(name: name, key: key, roles: roles))
        }
        return settings
    }
}
