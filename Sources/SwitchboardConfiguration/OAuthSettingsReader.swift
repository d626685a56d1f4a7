import JSONCore

extension ConfigurationReader {
    /// Reads an `"oauth"` object: a server's (`secret` reads `clientSecret`'s source), or the
    /// file's defaults (`secret` nil: only ``OAuthSettings/defaultKeys`` are allowed there).
    static func readOAuth(
        _ value: JSONValue,
        at pointer: String,
        owner: String,
        secret: ((JSONValue, String, inout Context) -> String?)?,
        _ context: inout Context
    ) -> OAuthSettings? {
        let known = secret == nil ? OAuthSettings.defaultKeys : OAuthSettings.serverKeys
        guard case .object(let object) = value else {
            context.error(pointer, owner + "\"oauth\" must be an object, not \(value.typeName)")
            return nil
        }
        for key in object.keys where !known.contains(key) {
            let note = secret == nil && OAuthSettings.serverKeys.contains(key) ? "; it belongs to one server's \"oauth\"" : ""
            context.unknownKey(
                pointer + "/" + JSONPointer.escape(key),
                key,
                known: known,
                what: "key in \"oauth\"",
                strict: true,
                prefix: owner,
                note: note
            )
        }
        func at(_ key: String) -> String { pointer + "/" + key }
        func name(_ key: String) -> String { owner + "\"oauth.\(key)\"" }
        var settings = OAuthSettings()
        if let item = object["clientId"], let text = context.string(item, at: at("clientId"), name("clientId")) {
            if text.isEmpty { context.error(at("clientId"), name("clientId") + " is empty") } else { settings.clientID = text }
        }
        if let item = object["clientSecret"], let secret { settings.clientSecret = secret(item, at("clientSecret"), &context) }
        if let item = object["tokenEndpointAuthMethod"],
            let text = context.string(item, at: at("tokenEndpointAuthMethod"), name("tokenEndpointAuthMethod"))
        {
            if let method = OAuthSettings.AuthMethod(rawValue: text) {
                settings.tokenEndpointAuthMethod = method
            } else {
                let names = OAuthSettings.AuthMethod.allCases.map(\.rawValue)
                context.error(
                    at("tokenEndpointAuthMethod"),
                    name("tokenEndpointAuthMethod") + " must be one of \(names.joined(separator: ", ")), not \"\(text)\""
                )
            }
        }
        if let item = object["issuer"], let text = context.string(item, at: at("issuer"), name("issuer")) {
            if text.hasPrefix("https://") || text.hasPrefix("http://") {
                settings.issuer = text
            } else {
                context.error(at("issuer"), name("issuer") + " must be the authorization server's issuer URL, not \"\(text)\"")
            }
        }
        if let item = object["redirectUri"], let text = context.string(item, at: at("redirectUri"), name("redirectUri")) {
            if let problem = Self.loopbackProblem(text) {
                context.error(at("redirectUri"), name("redirectUri") + " \(problem)")
            } else {
                settings.redirectURI = text
            }
        }
        if let item = object["clientMetadataUrl"], let text = context.string(item, at: at("clientMetadataUrl"), name("clientMetadataUrl")) {
            // draft-ietf-oauth-client-id-metadata-document: an https URL with a path.
            let afterScheme = text.hasPrefix("https://") ? text.dropFirst("https://".count) : nil
            if let afterScheme, let slash = afterScheme.firstIndex(of: "/"), afterScheme[slash...].count > 1, !text.contains("#") {
                settings.clientMetadataURL = text
            } else {
                context.error(
                    at("clientMetadataUrl"),
                    name("clientMetadataUrl") + " must be an https URL with a path (where the client metadata document is served), not \"\(text)\""
                )
            }
        }
        if let item = object["grant"], let text = context.string(item, at: at("grant"), name("grant")) {
            if let grant = OAuthSettings.Grant(rawValue: text) {
                settings.grant = grant
            } else {
                let names = OAuthSettings.Grant.allCases.map(\.rawValue)
                context.error(at("grant"), name("grant") + " must be one of \(names.joined(separator: ", ")), not \"\(text)\"")
            }
        }
        if let item = object["scopes"] { settings.scopes = context.strings(item, at: at("scopes"), name("scopes")) }
        if let item = object["allowPrivateNetworks"] {
            settings.allowPrivateNetworks = context.bool(item, at: at("allowPrivateNetworks"), name("allowPrivateNetworks"))
        }
        checkConsistency(settings, at: pointer, owner: owner, &context)
        return settings
    }

    /// What a pre-registered client needs, checked together.
    static func checkConsistency(_ settings: OAuthSettings, at pointer: String, owner: String, _ context: inout Context) {
        if settings.clientID == nil {
            for (key, present) in [
                ("clientSecret", settings.clientSecret != nil), ("tokenEndpointAuthMethod", settings.tokenEndpointAuthMethod != nil),
                ("issuer", settings.issuer != nil), ("redirectUri", settings.redirectURI != nil),
            ] where present {
                context.error(pointer + "/" + key, owner + "\"oauth.\(key)\" describes a pre-registered client, so it needs \"oauth.clientId\"")
            }
        }
        if let method = settings.tokenEndpointAuthMethod, method != .none, settings.clientSecret == nil {
            context.error(
                pointer + "/tokenEndpointAuthMethod",
                owner + "\"oauth.tokenEndpointAuthMethod\" \(method.rawValue) needs \"oauth.clientSecret\""
            )
        }
        if settings.grant == .clientCredentials, settings.clientID == nil || settings.clientSecret == nil {
            context.error(
                pointer + "/grant",
                owner + "\"oauth.grant\" client_credentials signs in as a machine client: it needs \"oauth.clientId\" and \"oauth.clientSecret\""
            )
        }
    }

    /// Why `text` cannot be a native app's redirect URI (RFC 8252 §7.3), or nil when it can: an
    /// `http` URL on the loopback interface with a port, where Switchboard listens.
    static func loopbackProblem(_ text: String) -> String? {
        guard text.hasPrefix("http://") else {
            return "must be an http:// loopback URL with a port (http://127.0.0.1:8765/callback), not \"\(text)\""
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host: Substring
        let port: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "has an unclosed IPv6 address" }
            host = authority[...close]
            port = authority[authority.index(after: close)...].drop { $0 == ":" }
        } else {
            host = authority.prefix { $0 != ":" }
            port = authority.drop { $0 != ":" }.dropFirst()
        }
        guard ["127.0.0.1", "localhost", "[::1]"].contains(host.lowercased()) else {
            return "must be on this machine (127.0.0.1, localhost or [::1]), where Switchboard listens for the browser, not \"\(text)\""
        }
        guard let number = Int(port), (1...65535).contains(number) else {
            return "needs the port Switchboard should listen on, as in http://127.0.0.1:8765/callback"
        }
        return nil
    }
}
