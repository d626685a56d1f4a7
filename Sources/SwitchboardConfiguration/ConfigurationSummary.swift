public import JSONCore
import MCPTransport

extension SwitchboardConfiguration {
    /// The configuration as Switchboard will use it (variables expanded, defaults applied),
    /// with every secret masked: what `switchboard config show` prints.
    public var redactedSummary: JSONValue {
        var entries = JSONObject()
        for server in servers {
            var entry = JSONObject()
            let endpoints = server.endpoints.map(Self.redacted)
            if endpoints.count == 1 { entry.merge(endpoints[0]) } else { entry["replicas"] = .array(endpoints.map(JSONValue.object)) }
            if server.disabled { entry["disabled"] = true }
            entry["switchboard"] = .object(Self.summary(of: effectiveSettings(of: server)))
            entries[server.name] = .object(entry)
        }
        var summary: JSONObject = ["file": .string(file), "separator": .string(separator), "mcpServers": .object(entries)]
        if let tokenStore { summary["tokenStore"] = .string(tokenStore.rawValue) }
        if let gateway {
            // Names and roles; a key only as where it came from, never its value.
            let keys: [JSONValue] = gateway.apiKeys.map { setting in
                let key: JSONValue =
                    switch setting.key {
                    case .secret: "(secret)"
                    case .sha256(let hex): .object(["sha256": .string(hex)])
                    }
                return ["name": .string(setting.name), "key": key, "roles": .array(setting.roles.map { .string($0) })]
            }
            func patterns(_ patterns: GatewaySettings.RoleSetting.Patterns) -> JSONValue {
                [
                    "tools": .array(patterns.tools.map(JSONValue.string)),
                    "resources": .array(patterns.resources.map(JSONValue.string)),
                    "prompts": .array(patterns.prompts.map(JSONValue.string)),
                ]
            }
            var roles = JSONObject()
            for name in gateway.roles.keys.sorted() {
                guard let role = gateway.roles[name] else { continue }
                roles[name] = ["allow": patterns(role.allow), "deny": patterns(role.deny)]
            }
            var object: JSONObject = ["apiKeys": .array(keys), "roles": .object(roles)]
            if !gateway.virtualServers.isEmpty {
                var virtual = JSONObject()
                for name in gateway.virtualServers.keys.sorted() {
                    guard let subset = gateway.virtualServers[name] else { continue }
                    virtual[name] = ["allow": patterns(subset.allow), "deny": patterns(subset.deny)]
                }
                object["virtualServers"] = .object(virtual)
            }
            if let anonymous = gateway.anonymousRoles { object["anonymous"] = ["roles": .array(anonymous.map(JSONValue.string))] }
            if let jwt = gateway.jwt {
                func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
                func byGlob(_ map: [String: [String]]) -> JSONValue {
                    var object = JSONObject()
                    for glob in map.keys.sorted() { object[glob] = strings(map[glob] ?? []) }
                    return .object(object)
                }
                var entry: JSONObject = [
                    "issuer": .string(jwt.issuer), "audience": .string(jwt.audience), "rolesClaim": .string(jwt.rolesClaim),
                    "leewaySeconds": .int(jwt.leewaySeconds),
                    "scopes": [
                        "required": strings(jwt.scopes.required), "tools": byGlob(jwt.scopes.tools),
                        "resources": byGlob(jwt.scopes.resources), "prompts": byGlob(jwt.scopes.prompts),
                    ],
                ]
                switch jwt.keys {
                case .url(let url): entry["jwks"] = .string(url)
                case .file(let path): entry["jwks"] = ["file": .string(path)]
                }
                if let resource = jwt.resource { entry["resource"] = .string(resource) }
                object["jwt"] = .object(entry)
            }
            object["failedAuthentication"] = [
                "limit": .int(gateway.failedAuthentication.limit), "windowSeconds": .int(gateway.failedAuthentication.windowSeconds),
            ]
            summary["gateway"] = .object(object)
        }
        return .object(summary)
    }

    static func redacted(_ endpoint: Endpoint) -> JSONObject {
        switch endpoint {
        case .stdio(let process):
            var object: JSONObject = ["command": .string(process.command)]
            if !process.arguments.isEmpty { object["args"] = .array(Redaction.arguments(process.arguments).map(JSONValue.string)) }
            if !process.environment.isEmpty {
                var env = JSONObject()
                for key in process.environment.keys.sorted() { env[key] = .string(Redaction.environment(key, process.environment[key]!)) }
                object["env"] = .object(env)
            }
            if let directory = process.workingDirectory { object["cwd"] = .string(directory) }
            return object
        case .http(let url, let headers, let transport):
            var object: JSONObject = ["url": .string(Redaction.url(url))]
            if transport == .sse { object["type"] = "sse" }
            if !headers.isEmpty {
                var shown = JSONObject()
                for key in headers.keys.sorted() { shown[key] = .string(Redaction.header(key, headers[key]!)) }
                object["headers"] = .object(shown)
            }
            return object
        }
    }

    /// A whole number is written as one (`12`, not `12.0`).
    static func number(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }

    static func summary(of settings: ServerSettings) -> JSONObject {
        var object = JSONObject()
        if let interceptors = settings.interceptors { object["interceptors"] = .array(interceptors) }
        if let trust = settings.trustAnnotations { object["trustAnnotations"] = .bool(trust) }
        if let timeout = settings.timeoutSeconds { object["timeoutSeconds"] = Self.number(timeout) }
        if let allow = settings.allowTools { object["allowTools"] = .array(allow.map(JSONValue.string)) }
        if let deny = settings.denyTools { object["denyTools"] = .array(deny.map(JSONValue.string)) }
        if let safe = settings.safeTools { object["safeTools"] = .array(safe.map(JSONValue.string)) }
        if let version = settings.protocolVersion { object["protocolVersion"] = .string(version) }
        if let balancing = settings.balancing { object["balancing"] = .string(balancing.rawValue) }
        if let health = settings.health {
            object["health"] = [
                "intervalSeconds": Self.number(health.intervalSeconds), "timeoutSeconds": Self.number(health.timeoutSeconds),
                "ejectAfterFailures": .int(health.ejectAfterFailures), "cooldownSeconds": Self.number(health.cooldownSeconds),
            ]
        }
        if let restart = settings.restart {
            object["restart"] = [
                "enabled": .bool(restart.enabled), "maxRestarts": .int(restart.maxRestarts), "windowSeconds": Self.number(restart.windowSeconds),
                "initialBackoffSeconds": Self.number(restart.initialBackoffSeconds), "maxBackoffSeconds": Self.number(restart.maxBackoffSeconds),
            ]
        }
        if let oauth = settings.oauth { object["oauth"] = .object(Self.summary(of: oauth)) }
        return object
    }

    static func summary(of oauth: OAuthSettings) -> JSONObject {
        var object = JSONObject()
        if let id = oauth.clientID { object["clientId"] = .string(id) }
        if oauth.clientSecret != nil { object["clientSecret"] = .string(Redaction.mask) }
        if let method = oauth.tokenEndpointAuthMethod { object["tokenEndpointAuthMethod"] = .string(method.rawValue) }
        if let issuer = oauth.issuer { object["issuer"] = .string(issuer) }
        if let uri = oauth.redirectURI { object["redirectUri"] = .string(uri) }
        if let url = oauth.clientMetadataURL { object["clientMetadataUrl"] = .string(url) }
        if let grant = oauth.grant { object["grant"] = .string(grant.rawValue) }
        if let scopes = oauth.scopes { object["scopes"] = .array(scopes.map(JSONValue.string)) }
        if let allow = oauth.allowPrivateNetworks { object["allowPrivateNetworks"] = .bool(allow) }
        return object
    }
}
