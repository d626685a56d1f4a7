import MCPTransport
public import MCPWire

/// What may safely happen to a call more than once, and what a failure proves: the one policy
/// that retries, replica failover, caches and coalescing all follow.
///
/// Two questions are answered here and nowhere else:
/// - **Did the request certainly never reach the server?** Only a failure that proves it
///   (the connection could not be made; the message could not be handed to the transport)
///   says so. Anything else, including an error that cannot be classified, *may* have
///   reached the server.
/// - **Is the call safe to repeat?** Lists, reads, prompts and discovery change nothing. A
///   tool call is safe only when the server's annotations say so *and* they are trusted
///   (annotations are untrusted hints by default, as the specification says), or when the
///   configuration names the tool.
///
/// A failed call is tried again (``mayTryAgain(after:method:tool:hints:)``) only when the
/// failure says nothing definite (the connection broke, the server was overloaded, time ran
/// out before anything came back) *and* either the request never left or the call is safe
/// to repeat. So a destructive tool whose connection was reset after the request went out
/// runs at most once.
public struct CallSafety: Sendable, Hashable {
    /// Methods that only read.
    public static let readMethods: Set<String> = [
        Method.toolsList, Method.resourcesList, Method.resourceTemplatesList, Method.resourcesRead, Method.promptsList,
        Method.promptsGet, Method.discover, Method.complete, Method.ping,
    ]

    /// Whether the server's tool annotations (read-only, idempotent, destructive) are believed.
    public var trustAnnotations: Bool
    /// Tools safe to repeat whatever their annotations say: names or globs (`*`, `?`).
    public var safeTools: [String]

    public init(trustAnnotations: Bool = false, safeTools: [String] = []) {
        self.trustAnnotations = trustAnnotations
        self.safeTools = safeTools
    }

    // MARK: - Whether a call may happen twice

    /// Whether repeating the call cannot do harm: it reads, or it is an idempotent or
    /// read-only tool by trusted annotations, or configuration lists it (here, or in
    /// `alsoSafe`, an interceptor's own list).
    ///
    /// - Parameter hints: the tool's annotation hints *if trusted* (see ``hints(of:)``).
    public func isSafeToRepeat(method: String, tool: String?, hints: ToolHints?, alsoSafe: Set<String> = []) -> Bool {
        if Self.readMethods.contains(method) { return true }
        guard method == Method.toolsCall, let tool else { return false }
        if alsoSafe.contains(tool) || listed(tool) { return true }
        guard let hints else { return false }
        if hints.destructive == true && hints.idempotent != true { return false }
        return hints.readOnly == true || hints.idempotent == true
    }

    /// Whether the call's answer may be reused: it reads (but is not `ping` or `complete`,
    /// whose answers are about the moment), or it is a tool that is both read-only and
    /// idempotent by trusted annotations, or `cacheable` (an interceptor's list) names it.
    public func isCacheable(method: String, tool: String?, hints: ToolHints?, cacheable: Set<String> = []) -> Bool {
        if method == Method.ping || method == Method.complete { return false }
        if Self.readMethods.contains(method) { return true }
        guard method == Method.toolsCall, let tool else { return false }
        if cacheable.contains(tool) { return true }
        guard let hints else { return false }
        return hints.readOnly == true && hints.idempotent == true
    }

    /// The hints of `tool`'s annotations when this policy trusts them; `nil` otherwise.
    public func hints(of tool: Tool?) -> ToolHints? {
        guard trustAnnotations, let annotations = tool?.annotations else { return nil }
        return ToolHints(annotations)
    }

    private func listed(_ tool: String) -> Bool {
        safeTools.contains { Glob.matches($0, tool) }
    }

    // MARK: - What a failure proves

    /// Whether `error` proves the request never reached the server, so that even a
    /// destructive call may be sent again: the connection could not be made (refused,
    /// unresolvable, timed out while connecting; a process that could not start), or the
    /// transport refused the message before sending any of it.
    public static func neverReachedServer(_ error: MCPError) -> Bool {
        error.code == .connectionFailed || error.notSent
    }

    /// Whether `error` says nothing definite about the request, so it may pass if tried again
    /// (here or on another replica): the connection failed or broke, the server was
    /// overloaded (HTTP 5xx or 429), or time ran out before the server began to answer.
    public static func isTransient(_ error: MCPError) -> Bool {
        switch error.code {
        case .connectionFailed, .transportClosed: return true
        case .timeout: return !error.answerStarted
        case .serverError, .protocolError:
            guard let status = error.transportError?.httpStatus else { return false }
            return status >= 500 || status == 429
        default: return false
        }
    }

    /// Whether a call that failed with `error` may be tried again, here or on another
    /// replica: the failure is transient, and the request never reached the server or the
    /// call is safe to repeat.
    public func mayTryAgain(after error: MCPError, method: String, tool: String?, hints: ToolHints?, alsoSafe: Set<String> = []) -> Bool {
        guard Self.isTransient(error) else { return false }
        return Self.neverReachedServer(error) || isSafeToRepeat(method: method, tool: tool, hints: hints, alsoSafe: alsoSafe)
    }
}

extension MCPError {
    /// Whether the failure says nothing definite about the request (see ``CallSafety/isTransient(_:)``).
    public var isTransient: Bool { CallSafety.isTransient(self) }

    /// Whether the request certainly never reached the server (see ``CallSafety/neverReachedServer(_:)``).
    public var neverReachedServer: Bool { CallSafety.neverReachedServer(self) }

    /// Whether the failure counts against a server's health (circuit breakers, outlier
    /// ejection): the server or the way to it failed, not the caller or the tool.
    public var countsAgainstServer: Bool {
        switch code {
        case .connectionFailed, .transportClosed, .timeout, .serverError, .protocolError: return true
        default: return false
        }
    }
}
