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
        if let value = object["roles"] { settings.roles = readRoles(value, at: pointer + "/roles", &context) }
        if let value = object["apiKeys"] { settings.apiKeys = readAPIKeys(value, at: pointer + "/apiKeys", secrets: secrets, &context) }
        if let value = object["anonymous"],
            let anonymous = context.group(
                value,
                at: pointer + "/anonymous",
                "\"gateway.anonymous\"",
                known: GatewaySettings.anonymousKeys,
                expected: "an object"
            )
        {
            if let roles = anonymous["roles"] {
                settings.anonymousRoles = context.strings(roles, at: pointer + "/anonymous/roles", "\"gateway.anonymous.roles\"")
            } else {
                context.error(pointer + "/anonymous", "\"gateway.anonymous\" needs \"roles\": the roles a caller without credentials gets")
            }
        }
        if let value = object["virtualServers"] {
            let at = pointer + "/virtualServers"
            settings.virtualServers = readRoles(value, at: at, &context, kind: "virtual server", owner: "\"gateway.virtualServers\"")
            for name in settings.virtualServers.keys where !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            {
                context.error(
                    at + "/" + JSONPointer.escape(name),
                    "the virtual server \"\(name)\" is served at /mcp/<name>: use letters, digits, - and _ only"
                )
            }
        }
        if let value = object["alerts"] { settings.alerts = readAlerts(value, at: pointer + "/alerts", secrets: secrets, &context) }
        if let value = object["jwt"] { settings.jwt = readJWT(value, at: pointer + "/jwt", file: secrets.file, &context) }
        if let value = object["failedAuthentication"],
            let limit = context.group(
                value,
                at: pointer + "/failedAuthentication",
                "\"gateway.failedAuthentication\"",
                known: GatewaySettings.failureLimitKeys,
                expected: "an object"
            )
        {
            if let count = limit["limit"], let number = context.int(count, at: pointer + "/failedAuthentication/limit", "\"limit\"", in: 1...100_000)
            {
                settings.failedAuthentication.limit = number
            }
            if let window = limit["windowSeconds"],
                let seconds = context.int(window, at: pointer + "/failedAuthentication/windowSeconds", "\"windowSeconds\"", in: 1...86_400)
            {
                settings.failedAuthentication.windowSeconds = seconds
            }
        }
        // A role named anywhere must be defined: a typo would otherwise grant nothing, silently.
        let defined = Set(settings.roles.keys)
        for (index, key) in settings.apiKeys.enumerated() {
            for (position, role) in key.roles.enumerated() where !defined.contains(role) {
                context.error(
                    pointer + "/apiKeys/\(index)/roles/\(position)",
                    Self.undefinedRole(role, of: "the API key \"\(key.name)\"", defined: defined)
                )
            }
        }
        for (position, role) in (settings.anonymousRoles ?? []).enumerated() where !defined.contains(role) {
            context.error(pointer + "/anonymous/roles/\(position)", Self.undefinedRole(role, of: "\"gateway.anonymous\"", defined: defined))
        }
        return settings
    }

    /// `"jwt"`: issuer, audience and the key set are required; a token from anyone else, for
    /// anything else, or signed by a key not in the set is refused.
    static func readJWT(_ value: JSONValue, at pointer: String, file: String, _ context: inout Context) -> GatewaySettings.JWTSetting? {
        guard let object = context.group(value, at: pointer, "\"gateway.jwt\"", known: GatewaySettings.jwtKeys, expected: "an object")
        else { return nil }
        func text(_ key: String, required: Bool, _ purpose: String) -> String? {
            guard let value = object[key] else {
                if required { context.error(pointer, "\"gateway.jwt\" needs \"\(key)\": \(purpose)") }
                return nil
            }
            guard let text = context.string(value, at: pointer + "/" + key, "\"gateway.jwt.\(key)\""), !text.isEmpty else {
                if value.stringValue == "" { context.error(pointer + "/" + key, "\"gateway.jwt.\(key)\" must not be empty") }
                return nil
            }
            return text
        }
        let issuer = text("issuer", required: true, "the authorization server's issuer, which every token's \"iss\" must equal")
        let audience = text("audience", required: true, "the gateway's resource identifier, which every token's \"aud\" must include")
        let resource = text("resource", required: false, "")
        if let resource, !(resource.hasPrefix("https://") || resource.hasPrefix("http://")) {
            context.error(pointer + "/resource", "\"gateway.jwt.resource\" must be the MCP endpoint's public http(s) URL, not \"\(resource)\"")
        }
        var keys: GatewaySettings.JWTSetting.KeySource?
        switch object["jwks"] {
        case nil:
            context.error(pointer, "\"gateway.jwt\" needs \"jwks\": the URL of the authorization server's JWK set, or {\"file\": path}")
        case .string(let url):
            if url.hasPrefix("https://") || Self.isLoopbackHTTP(url) {
                keys = .url(url)
            } else {
                context.error(
                    pointer + "/jwks",
                    "\"gateway.jwt.jwks\" must be an https:// URL (http:// only on localhost), or {\"file\": path}; not \"\(url)\""
                )
            }
        case .object(let source) where source.count == 1 && source["file"]?.stringValue?.isEmpty == false:
            keys = .file(TextFile.absolute(source["file"]?.stringValue ?? "", from: Self.workspaceFolder(of: file)))
        case let other?:
            context.error(pointer + "/jwks", "\"gateway.jwt.jwks\" must be a URL or {\"file\": path}, not \(other.typeName)")
        }
        var setting = GatewaySettings.JWTSetting(issuer: issuer ?? "", audience: audience ?? "", keys: keys ?? .file(""))
        if let claim = text("rolesClaim", required: false, "") { setting.rolesClaim = claim }
        setting.resource = resource
        if let value = object["leewaySeconds"], let seconds = context.int(value, at: pointer + "/leewaySeconds", "\"leewaySeconds\"", in: 0...600) {
            setting.leewaySeconds = seconds
        }
        if let value = object["scopes"] { setting.scopes = readScopes(value, at: pointer + "/scopes", &context) }
        guard issuer != nil, audience != nil, keys != nil else { return nil }
        return setting
    }

    /// `"alerts"`: `"rules"` (each an object of its settings, `true` for the defaults, or
    /// `false` to turn it off) and `"webhooks"`.
    static func readAlerts(_ value: JSONValue, at pointer: String, secrets: SecretReader, _ context: inout Context) -> GatewaySettings.AlertSettings {
        var alerts = GatewaySettings.AlertSettings()
        guard let object = context.group(value, at: pointer, "\"gateway.alerts\"", known: GatewaySettings.alertKeys, expected: "an object")
        else { return alerts }
        if let rulesValue = object["rules"],
            let rules = context.group(
                rulesValue,
                at: pointer + "/rules",
                "\"gateway.alerts.rules\"",
                known: GatewaySettings.alertRuleKeys,
                expected: "an object"
            )
        {
            /// How the file sets one rule.
            enum Rule {
                case absent, off
                case on(JSONObject)
            }
            func rule(_ name: String, known: Set<String>) -> Rule {
                guard let value = rules[name] else { return .absent }
                if case .bool(let on) = value { return on ? .on([:]) : .off }
                let settings = context.group(
                    value,
                    at: pointer + "/rules/" + name,
                    "the alert rule \"\(name)\"",
                    known: known,
                    expected: "an object, true or false"
                )
                return settings.map(Rule.on) ?? .absent
            }
            switch rule("upstreamDown", known: ["forSeconds"]) {
            case .absent: break
            case .off: alerts.upstreamDown = nil
            case .on(let settings):
                if let seconds = settings["forSeconds"],
                    let number = context.number(seconds, at: pointer + "/rules/upstreamDown/forSeconds", "\"forSeconds\"", in: 0...86_400)
                {
                    alerts.upstreamDown = .init(forSeconds: number)
                }
            }
            if case .off = rule("auditFailing", known: []) { alerts.auditFailing = false }
            switch rule("authenticationFailureBurst", known: ["count", "windowSeconds"]) {
            case .absent: break
            case .off: alerts.authenticationFailures = nil
            case .on(let settings):
                var burst = GatewaySettings.AlertSettings.Burst()
                let at = pointer + "/rules/authenticationFailureBurst"
                if let value = settings["count"], let count = context.int(value, at: at + "/count", "\"count\"", in: 1...1_000_000) {
                    burst.count = count
                }
                if let value = settings["windowSeconds"],
                    let seconds = context.number(value, at: at + "/windowSeconds", "\"windowSeconds\"", in: 1...86_400)
                {
                    burst.windowSeconds = seconds
                }
                alerts.authenticationFailures = burst
            }
        }
        if let hooksValue = object["webhooks"] {
            for (index, item) in (context.array(hooksValue, at: pointer + "/webhooks", "\"gateway.alerts.webhooks\"") ?? []).enumerated() {
                let at = pointer + "/webhooks/\(index)"
                let what = "\"gateway.alerts.webhooks\" item \(index)"
                guard let entry = context.group(item, at: at, what, known: GatewaySettings.webhookKeys, expected: "an object") else { continue }
                guard let url = entry["url"].flatMap({ context.string($0, at: at + "/url", what + " \"url\"") }),
                    url.hasPrefix("https://") || url.hasPrefix("http://")
                else {
                    context.error(at, what + " needs a \"url\" (http or https)")
                    continue
                }
                var hook = GatewaySettings.AlertSettings.Webhook(url: url)
                if let value = entry["format"], let name = context.string(value, at: at + "/format", what + " \"format\"") {
                    guard let format = GatewaySettings.AlertSettings.Webhook.Format(rawValue: name) else {
                        let known = GatewaySettings.AlertSettings.Webhook.Format.allCases.map(\.rawValue)
                        let hint = Suggestion.closest(to: name, in: known).map { "did you mean \"\($0)\"? " } ?? ""
                        context.error(at + "/format", "\(what): \"format\" is \"\(name)\"; \(hint)(one of \(known.joined(separator: ", ")))")
                        continue
                    }
                    hook.format = format
                }
                if let value = entry["secret"] {
                    guard case .object = value else {
                        context.error(
                            at + "/secret",
                            "\(what): \"secret\" must be {\"env\": NAME} or {\"file\": path}; a secret is never written in the file"
                        )
                        continue
                    }
                    guard let secret = secrets.read(value, at: at + "/secret", "the webhook's secret", &context) else { continue }
                    hook.secret = secret
                }
                alerts.webhooks.append(hook)
            }
        }
        return alerts
    }

    static func isLoopbackHTTP(_ url: String) -> Bool {
        ["http://127.0.0.1", "http://localhost", "http://[::1]"].contains { prefix in
            url.hasPrefix(prefix) && url.dropFirst(prefix.count).first.map { ":/".contains($0) } ?? true
        }
    }

    /// `"scopes"`: `"required"` (a list) and, for tools, resources and prompts, an object of
    /// globs to the scopes an item matching it needs.
    static func readScopes(_ value: JSONValue, at pointer: String, _ context: inout Context) -> GatewaySettings.JWTSetting.Scopes {
        var scopes = GatewaySettings.JWTSetting.Scopes()
        guard let object = context.group(value, at: pointer, "\"gateway.jwt.scopes\"", known: GatewaySettings.scopeKeys, expected: "an object")
        else { return scopes }
        func valid(_ list: [String], at listPointer: String) -> [String] {
            for (index, scope) in list.enumerated() where scope.isEmpty || scope.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" }) {
                context.error(
                    listPointer + "/\(index)",
                    "the scope \"\(scope)\" is not a valid OAuth scope (no spaces, quotes or backslashes, not empty)"
                )
            }
            return list
        }
        if let required = object["required"], let list = context.strings(required, at: pointer + "/required", "\"gateway.jwt.scopes.required\"") {
            scopes.required = valid(list, at: pointer + "/required")
        }
        func byGlob(_ key: String) -> [String: [String]] {
            guard let value = object[key] else { return [:] }
            guard case .object(let map) = value else {
                context.error(pointer + "/" + key, "\"gateway.jwt.scopes.\(key)\" must be an object of globs to scope lists, not \(value.typeName)")
                return [:]
            }
            var result: [String: [String]] = [:]
            for (glob, list) in map {
                let at = pointer + "/" + key + "/" + JSONPointer.escape(glob)
                guard !glob.isEmpty else {
                    context.error(at, "\"gateway.jwt.scopes.\(key)\" has an empty pattern; \"*\" means everything")
                    continue
                }
                if let scopes = context.strings(list, at: at, "the scopes for \"\(glob)\"") { result[glob] = valid(scopes, at: at) }
            }
            return result
        }
        scopes.tools = byGlob("tools")
        scopes.resources = byGlob("resources")
        scopes.prompts = byGlob("prompts")
        return scopes
    }

    static func undefinedRole(_ role: String, of owner: String, defined: Set<String>) -> String {
        let hint = Suggestion.closest(to: role, in: defined).map { "did you mean \"\($0)\"? " } ?? ""
        let known = defined.isEmpty ? "\"gateway.roles\" defines none" : "defined: \(defined.sorted().joined(separator: ", "))"
        return "\(owner) has the role \"\(role)\", which \"gateway.roles\" does not define; \(hint)(\(known))"
    }

    /// `"roles"`: each an object of `"tools"`, `"resources"`, `"prompts"` globs and `"deny"`.
    static func readRoles(
        _ value: JSONValue,
        at pointer: String,
        _ context: inout Context,
        kind: String = "role",
        owner: String = "\"gateway.roles\""
    ) -> [String: GatewaySettings.RoleSetting] {
        guard case .object(let object) = value else {
            context.error(pointer, "\(owner) must be an object of \(kind)s by name, not \(value.typeName)")
            return [:]
        }
        var roles: [String: GatewaySettings.RoleSetting] = [:]
        for (name, definition) in object {
            let at = pointer + "/" + JSONPointer.escape(name)
            let what = "the \(kind) \"\(name)\""
            guard !name.isEmpty else {
                context.error(at, "a \(kind) needs a non-empty name")
                continue
            }
            guard let entry = context.group(definition, at: at, what, known: GatewaySettings.roleKeys, expected: "an object") else { continue }
            var role = GatewaySettings.RoleSetting(allow: readPatterns(entry, at: at, what, &context))
            if let deny = entry["deny"],
                let denied = context.group(deny, at: at + "/deny", what + "'s \"deny\"", known: GatewaySettings.patternKeys, expected: "an object")
            {
                role.deny = readPatterns(denied, at: at + "/deny", what + "'s \"deny\"", &context)
            }
            roles[name] = role
        }
        return roles
    }

    static func readPatterns(
        _ object: JSONObject,
        at pointer: String,
        _ what: String,
        _ context: inout Context
    ) -> GatewaySettings.RoleSetting.Patterns {
        func globs(_ key: String) -> [String] {
            guard let value = object[key] else { return [] }
            let list = context.strings(value, at: pointer + "/" + key, "\(what) \"\(key)\"") ?? []
            if let empty = list.firstIndex(where: \.isEmpty) {
                context.error(pointer + "/\(key)/\(empty)", "\(what) has an empty pattern in \"\(key)\"; \"*\" means everything")
            }
            return list.filter { !$0.isEmpty }
        }
        return GatewaySettings.RoleSetting.Patterns(tools: globs("tools"), resources: globs("resources"), prompts: globs("prompts"))
    }

    /// `"apiKeys"`: every entry named once, with its key from the environment, a file or a digest.
    static func readAPIKeys(
        _ value: JSONValue,
        at listPointer: String,
        secrets: SecretReader,
        _ context: inout Context
    ) -> [GatewaySettings.APIKeySetting] {
        var keys: [GatewaySettings.APIKeySetting] = []
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
            keys.append(GatewaySettings.APIKeySetting(name: name, key: key, roles: roles))
        }
        return keys
    }
}
