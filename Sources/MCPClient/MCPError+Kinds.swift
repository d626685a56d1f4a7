import MCPTransport

extension MCPError {
    /// Whether the failure says nothing definite about the request, so it may pass if tried
    /// again (here or on another replica): the connection broke, the server was overloaded,
    /// or time ran out before anything came back.
    public var isTransient: Bool {
        switch code {
        case .connectionFailed, .transportClosed: return true
        case .timeout: return !answerStarted
        case .serverError, .protocolError:
            guard let status = transportError?.httpStatus else { return false }
            return status >= 500 || status == 429
        default: return false
        }
    }

    /// Whether the request certainly never reached the server, so even a destructive call
    /// may be sent again.
    public var neverReachedServer: Bool { code == .connectionFailed }

    /// Whether the failure counts against a server's health (circuit breakers, outlier
    /// ejection): the server or the way to it failed, not the caller or the tool.
    public var countsAgainstServer: Bool {
        switch code {
        case .connectionFailed, .transportClosed, .timeout, .serverError, .protocolError: return true
        default: return false
        }
    }
}
