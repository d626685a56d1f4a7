import MCPTransport
package import MCPWire

/// Finds a server's protocol era, as the 2026-07-28 transport pages describe, without ever
/// losing an answer: a pure state machine, driven by ``ClientSession/detectEra(version:)``.
///
/// `server/discover` goes first. A `DiscoverResult` or a recognized modern error means a
/// modern server; any other error means a legacy one, which gets `initialize`. On stdio a
/// server that stays silent for the probe time is given `initialize` *beside* the probe,
/// never instead of it: a slow modern server (a Python server still importing on a loaded
/// machine) answers the probe late, then refuses `initialize` with a modern error. Whichever
/// decisive answer comes first settles the era:
///
/// | what arrives                                   | and then                                   |
/// |------------------------------------------------|--------------------------------------------|
/// | discover: result or modern error               | modern                                     |
/// | discover: other error                          | send initialize (if not yet), wait for it  |
/// | probe time passes                              | send initialize beside discover            |
/// | initialize: result                             | legacy                                     |
/// | initialize: modern error, discover pending     | wait for discover (the server is modern)   |
/// | initialize: modern error, discover failed      | modern: probe again with the versions named |
/// | initialize: other error, discover pending      | wait for discover, keep the error          |
/// | initialize: other error, discover failed       | fail with initialize's error               |
/// | the connection closes or the caller cancels    | fail                                       |
///
/// Once settled, later answers are ignored (the driver then stops waiting for them).
package struct EraDetection {
    package enum Event {
        case discoverAnswered(ClientSession.DiscoverOutcome)
        case probeTimeElapsed
        case initializeAnswered(Result<InitializeResult, MCPError>)
    }

    package enum Action {
        /// Nothing to do yet: wait for the next event.
        case wait
        /// Send `initialize` now (the probe timed out or was refused as legacy).
        case sendInitialize
        /// The server is modern; continue with what discover said (a result, or the versions
        /// it supports).
        case modern(ClientSession.DiscoverOutcome)
        /// The server is legacy and accepted `initialize`.
        case legacy(InitializeResult)
        /// Detection failed.
        case fail(MCPError)
    }

    private enum Discover {
        case pending
        case refused(MCPError)
    }

    private enum Initialize {
        case notSent
        case pending
        /// Refused with a modern error; the versions its data named, if any.
        case refusedAsModern([ProtocolVersion])
        /// Refused with another error while discover was still pending.
        case failed(MCPError)
    }

    private var discover = Discover.pending
    private var initialize = Initialize.notSent
    package private(set) var isSettled = false
    /// The version the probe asked for, for a retry when only `initialize`'s refusal spoke.
    package let version: ProtocolVersion

    package init(version: ProtocolVersion) {
        self.version = version
    }

    /// Whether `initialize` was sent, so its answer is still worth waiting for.
    package var initializeSent: Bool {
        if case .notSent = initialize { return false }
        return true
    }

    package mutating func handle(_ event: Event) -> Action {
        guard !isSettled else { return .wait }
        switch event {
        case .discoverAnswered(let outcome):
            return discoverAnswered(outcome)
        case .probeTimeElapsed:
            guard case .notSent = initialize, case .pending = discover else { return .wait }
            initialize = .pending
            return .sendInitialize
        case .initializeAnswered(.success(let result)):
            return settle(.legacy(result))
        case .initializeAnswered(.failure(let error)):
            return initializeFailed(error)
        }
    }

    private mutating func discoverAnswered(_ outcome: ClientSession.DiscoverOutcome) -> Action {
        switch outcome {
        case .modern, .unsupported:
            return settle(.modern(outcome))
        case .notModern(let error):
            if Self.isFatal(error) { return settle(.fail(error)) }
            discover = .refused(error)
            switch initialize {
            case .notSent:
                initialize = .pending
                return .sendInitialize
            case .pending:
                return .wait
            case .refusedAsModern(let supported):
                return settle(.modern(.unsupported(supported.isEmpty ? [version] : supported)))
            case .failed(let initializeError):
                return settle(.fail(initializeError))
            }
        }
    }

    private mutating func initializeFailed(_ error: MCPError) -> Action {
        if Self.isFatal(error) { return settle(.fail(error)) }
        let refusedAsModern = error.rpcError.map { ErrorCode.modernCodes.contains($0.code) } ?? false
        switch discover {
        case .pending:
            // The server is answering; what it says to the probe decides.
            initialize = refusedAsModern ? .refusedAsModern(Self.supportedVersions(in: error)) : .failed(error)
            return .wait
        case .refused:
            guard refusedAsModern else { return settle(.fail(error)) }
            let supported = Self.supportedVersions(in: error)
            return settle(.modern(.unsupported(supported.isEmpty ? [version] : supported)))
        }
    }

    private mutating func settle(_ action: Action) -> Action {
        precondition(!isSettled, "era detection settles once")
        isSettled = true
        return action
    }

    /// Errors that end detection whatever else is pending: they say nothing about the era and
    /// would end `initialize` the same way. The connection, a cancellation, or the server
    /// refusing the client itself (a sign-in it lacks, HTTP 403), which an HTTP server decides
    /// before it reads the message.
    package static func isFatal(_ error: MCPError) -> Bool {
        error.code == .connectionFailed || error.code == .transportClosed || error.code == .cancelled
            || error.code == .authorizationRequired || error.transportError?.httpStatus == 403
    }

    package static func supportedVersions(in error: MCPError) -> [ProtocolVersion] {
        guard let rpc = error.rpcError, rpc.code == ErrorCode.unsupportedProtocolVersion else { return [] }
        return UnsupportedVersionData(rpc.data)?.supported ?? []
    }
}
