import ArgumentParser
import JSONCore
import MCPTransport
import SwitchboardConfiguration

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server a sign-in command is about: a configured server by name, or `--url`.
struct SignInTarget: ParsableArguments {
    @Argument(help: ArgumentHelp("The configured server (see --config).", valueName: "server"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("A server's HTTP endpoint, instead of a configured server.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("A configuration file with an \"mcpServers\" object.", valueName: "file"))
    var config: String?

    func validate() throws {
        guard (name == nil) != (url == nil) else { throw ValidationError("name a configured server, or give --url") }
    }

    /// What a sign-in command acts on.
    struct Resolved {
        /// The HTTP endpoints: one, or each replica's where they differ (a token is for one
        /// server's URL, so each needs its own sign-in).
        var urls: [String]
        /// Its name in the configuration; nil for `--url`.
        var name: String?
        var oauth: OAuthSettings?
        var tokenStore: TokenStoreKind
    }

    /// The server's URLs, its name in the configuration, its `oauth` settings, and where its
    /// sign-ins are kept.
    func resolve() throws(ConfigurationProblem) -> Resolved {
        if let url {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationProblem("--url must be an http:// or https:// URL, not '\(url)'")
            }
            return Resolved(urls: [url], tokenStore: try ConfigurationFiles.tokenStore(forFileAt: config))
        }
        guard let name else { preconditionFailure("validate() requires a name or --url") }
        // Parsed, not made with init(): an argument wrapper that was never decoded cannot be read.
        var arguments = ["--server", name]
        if let config { arguments += ["--config", config] }
        let options: ServerOptions
        do { options = try ServerOptions.parse(arguments) } catch { throw ConfigurationProblem(ServerOptions.message(for: error)) }
        let selection = try options.selection()
        guard let definition = selection.configuration.server(named: name) else {
            throw ConfigurationProblem("no server named \"\(name)\" in \(selection.configuration.file)")
        }
        var urls: [String] = []
        for endpoint in definition.endpoints {
            if case .http(let url, _, _) = endpoint, !urls.contains(url) { urls.append(url) }
        }
        guard !urls.isEmpty else {
            throw ConfigurationProblem(
                "server \"\(name)\" is a stdio server; sign-in is for HTTP servers (a stdio server takes its credentials from \"env\")"
            )
        }
        return Resolved(
            urls: urls,
            name: name,
            oauth: selection.configuration.effectiveSettings(of: definition).oauth,
            tokenStore: selection.configuration.tokenStore ?? .file
        )
    }
}

/// `switchboard login`: sign in to a protected HTTP server.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in to a protected HTTP server (OAuth 2.1 with PKCE) and store its tokens.",
        discussion: """
            Finds the server's authorization server, registers Switchboard with it when needed,
            opens the browser at its sign-in page and waits for it to come back to a listener on
            127.0.0.1. The tokens are stored in a file only you can read, or in the Secret
            Service with "tokenStore": "secret-service" (see `auth status`), and refreshed before
            they expire; every command and the hub use them. A server whose replicas have
            different URLs is signed in to at each, one after the other.
            """
    )

    @OptionGroup var target: SignInTarget

    @Flag(name: .long, help: "Print the sign-in URL instead of opening a browser, then wait.")
    var noBrowser = false

    @Option(name: .long, help: ArgumentHelp("Ask for these scopes (space-separated) instead of the server's.", valueName: "scopes"))
    var scope: String?

    @Flag(name: .long, help: "Allow discovery to reach private network addresses (10/8, 172.16/12, 192.168/16).")
    var allowPrivateNetworks = false

    func run() async throws {
        try await reporting {
            let target = try target.resolve()
            let http = try CommandEnvironment.requireHTTP()
            // One sign-in per replica URL, one after the other: each may need the browser.
            for (index, url) in target.urls.enumerated() {
                if target.urls.count > 1 { Terminal.error("signing in to \(url) (replica \(index + 1) of \(target.urls.count))") }
                try await login(url: url, target: target, http: http)
            }
        }
    }

    private func login(url: String, target: SignInTarget.Resolved, http: any HTTPSupport) async throws {
        let oauth = target.oauth
        let status: SignInStatus
        do {
            status = try await http.signIn(store: target.tokenStore).login(
                url: url,
                name: target.name,
                scopes: scope.map { $0.split(separator: " ").map(String.init) },
                oauth: oauth,
                openBrowser: !noBrowser,
                allowPrivateNetworks: allowPrivateNetworks || oauth?.allowPrivateNetworks == true,
                show: { line in
                    // Flushed at once: a script (or a test) reads the URL while this waits.
                    Terminal.output(line)
                    fflush(nil)
                },
                progress: { line in Terminal.error(line) }
            )
        } catch {
            throw SignInFailure(description: "sign-in to \(url) failed: \(error)")
        }
        Terminal.error(
            "signed in to \(url) at \(status.issuer)"
                + (status.scopes.map { "; scopes: \(ScopeListText.format($0))" } ?? "")
                + (status.expiresAt.map { "; the token expires \(AuthStatusCommand.describe(expiry: $0))" } ?? "")
        )
    }
}

/// `switchboard logout`: forget a server's tokens.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget the stored tokens of an HTTP server (of each of its replicas)."
    )

    @OptionGroup var target: SignInTarget

    func run() async throws {
        try await reporting {
            let target = try target.resolve()
            let http = try CommandEnvironment.requireHTTP()
            let signIn = http.signIn(store: target.tokenStore)
            for url in target.urls {
                do {
                    let removed = try await signIn.logout(url: url)
                    Terminal.error(removed ? "signed out of \(url)" : "there was no sign-in for \(url)")
                } catch {
                    throw SignInFailure(description: "\(error)")
                }
            }
        }
    }
}

/// `switchboard auth status`.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Stored sign-ins.",
        subcommands: [AuthStatusCommand.self, ClientMetadataCommand.self],
        defaultSubcommand: AuthStatusCommand.self
    )
}

struct AuthStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stored sign-in: server, authorization server, scopes and expiry (never a token)."
    )

    @OptionGroup var output: OutputOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The configuration file whose \"tokenStore\" to read (default: the usual search).", valueName: "file")
    )
    var config: String?

    func run() async throws {
        try await reporting {
            let http = try CommandEnvironment.requireHTTP()
            let signIn = http.signIn(store: try ConfigurationFiles.tokenStore(forFileAt: config))
            let statuses: [SignInStatus]
            do { statuses = try await signIn.status() } catch { throw SignInFailure(description: "\(error)") }
            if output.json {
                let items: [JSONValue] = statuses.map { status in
                    var object: JSONObject = [
                        "url": .string(status.url), "issuer": .string(status.issuer), "resource": .string(status.resource),
                        "refreshable": .bool(status.refreshable),
                    ]
                    if let name = status.name { object["name"] = .string(name) }
                    if let scopes = status.scopes { object["scopes"] = .array(scopes.map { .string($0) }) }
                    if let expiresAt = status.expiresAt { object["expiresAt"] = .double(expiresAt) }
                    return .object(object)
                }
                Terminal.output(
                    JSONValue.object(["store": .string(signIn.storeLocation), "signIns": .array(items)]).serializedString(
                        options: .prettyPrinted
                    )
                )
                return
            }
            guard !statuses.isEmpty else {
                Terminal.output("no sign-ins stored in \(signIn.storeLocation)")
                return
            }
            var table = TextTable("server", "url", "authorization server", "scopes", "token", "refresh")
            for status in statuses {
                table.add(
                    status.name ?? "-",
                    status.url,
                    status.issuer,
                    status.scopes.map(ScopeListText.format) ?? "-",
                    status.expiresAt.map { Self.describe(expiry: $0) } ?? "no expiry given",
                    status.refreshable ? "yes" : "no"
                )
            }
            Terminal.output(table.render())
        }
    }

    /// "in 59 min", "expired 3 min ago".
    static func describe(expiry: Double) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seconds = Int((expiry - Double(now.tv_sec)).rounded())
        func span(_ value: Int) -> String {
            value >= 7200 ? "\(value / 3600) h" : value >= 120 ? "\(value / 60) min" : "\(value) s"
        }
        return seconds >= 0 ? "in \(span(seconds))" : "expired \(span(-seconds)) ago"
    }
}

/// `switchboard auth client-metadata URL`: the document to publish for Client ID Metadata
/// Documents.
struct ClientMetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-metadata",
        abstract: "Print the Client ID Metadata Document to publish at URL, for authorization servers that support them.",
        discussion: """
            Publish the document at URL (an https URL with a path), then set "oauth": \
            {"clientMetadataUrl": URL} in the configuration (for every server, or one). An \
            authorization server that advertises client_id_metadata_document_supported then \
            knows Switchboard by that URL: no registration, the same client ID everywhere.
            """
    )

    @Argument(help: ArgumentHelp("Where the document will be served.", valueName: "url"))
    var url: String

    @Option(name: .long, help: ArgumentHelp("The name the authorization server shows.", valueName: "name"))
    var clientName = "Switchboard"

    func validate() throws {
        let rest = url.hasPrefix("https://") ? url.dropFirst("https://".count) : nil
        guard let rest, let slash = rest.firstIndex(of: "/"), rest[slash...].count > 1, !url.contains("#") else {
            throw ValidationError("the document's URL must be an https URL with a path, as https://example.com/switchboard.json")
        }
    }

    func run() async throws {
        try await reporting {
            let http = try CommandEnvironment.requireHTTP()
            Terminal.output(http.clientMetadataDocument(url: url, clientName: clientName))
        }
    }
}

/// Scopes as one space-separated line.
enum ScopeListText {
    static func format(_ scopes: [String]) -> String { scopes.isEmpty ? "(none)" : scopes.joined(separator: " ") }
}

/// A sign-in command that failed; exit status 3.
struct SignInFailure: Error, CustomStringConvertible {
    var description: String
}
