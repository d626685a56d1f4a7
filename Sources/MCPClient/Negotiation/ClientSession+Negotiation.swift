import JSONCore
import JSONSchema
import Logging
import MCPTransport
package import MCPWire
import Synchronization

extension ClientSession {
    /// Chooses the protocol version and era, per the specification's rules:
    /// - a pinned version is used as it is;
    /// - otherwise `server/discover` is tried with the newest modern version. A result, or a
    ///   modern error such as `UnsupportedProtocolVersionError`, means a modern server (the
    ///   retry uses a version it listed). Any other error means a legacy server, which gets
    ///   the `initialize` handshake; on stdio, so does a probe unanswered within the probe
    ///   time, though its late answer still counts (see ``EraDetection``).
    func negotiate() async throws(MCPError) {
        if let pinned = configuration.pinnedVersion {
            guard pinned.isKnown else {
                throw MCPError(
                    .unsupportedVersion,
                    "protocol version \(pinned) is not one Switchboard speaks (\(ProtocolVersion.supported.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if pinned.era == .modern {
                switch await discover(version: pinned, timeout: configuration.defaultTimeout) {
                case .modern(let result):
                    adoptModern(version: pinned, discover: result)
                case .unsupported(let supported):
                    throw MCPError(
                        .unsupportedVersion,
                        "the server does not support pinned version \(pinned); it supports \(supported.map(\.rawValue).joined(separator: ", "))"
                    )
                case .notModern(let error):
                    throw error
                }
            } else {
                try await initialize(version: pinned, acceptCounterOffer: false)
            }
            return
        }

        if transport.kind == .legacySSE {
            try await initialize(version: ProtocolVersion.legacyVersions[0], acceptCounterOffer: true)
            return
        }

        var version = ProtocolVersion.latest
        for attempt in 0..<3 {
            let outcome: DiscoverOutcome
            if attempt == 0 {
                switch try await detectEra(version: version) {
                case .legacy(let result, let requested):
                    try await adoptLegacy(result, requested: requested, acceptCounterOffer: true)
                    return
                case .modern(let answer):
                    outcome = answer
                }
            } else {
                // Known to be modern: ask again with a version it named.
                outcome = await discover(version: version, timeout: configuration.defaultTimeout)
            }
            switch outcome {
            case .modern(let result):
                let ours = Set(ProtocolVersion.modernVersions)
                if result.supportedVersions.isEmpty || result.supportedVersions.contains(version) {
                    adoptModern(version: version, discover: result)
                    return
                }
                if let best = result.supportedVersions.filter(ours.contains).max() {
                    version = best
                    continue
                }
                if let legacy = result.supportedVersions.filter({ $0.era == .legacy && $0.isKnown }).max() {
                    try await initialize(version: legacy, acceptCounterOffer: true)
                    return
                }
                throw noCommonVersion(result.supportedVersions)
            case .unsupported(let supported):
                if let best = supported.filter({ $0.era == .modern && $0.isKnown }).max() {
                    version = best
                    continue
                }
                if let legacy = supported.filter({ $0.era == .legacy && $0.isKnown }).max() {
                    try await initialize(version: legacy, acceptCounterOffer: true)
                    return
                }
                throw noCommonVersion(supported)
            case .notModern(let error):
                // Only a retry of a server already known to be modern can end here.
                throw error
            }
        }
        throw MCPError(.unsupportedVersion, "version negotiation did not settle after several attempts")
    }

    /// What era detection found.
    enum DetectedEra {
        /// A modern server, with its answer to the probe (or the versions it named).
        case modern(DiscoverOutcome)
        /// A legacy server that accepted `initialize` for `requested`.
        case legacy(InitializeResult, requested: ProtocolVersion)
    }

    private enum DetectionEvent: Sendable {
        case discover(DiscoverOutcome)
        case probeTimeElapsed
        case initialize(Result<InitializeResult, MCPError>)
    }

    /// Probes with `server/discover` and falls back to `initialize`, driving ``EraDetection``:
    /// on stdio, `initialize` is sent beside a probe that has not answered within
    /// ``ClientConfiguration/probeTimeout``, and the probe is still heard if it answers late.
    /// Over HTTP a silent server is an error, not a legacy one, so there is no probe time.
    func detectEra(version: ProtocolVersion) async throws(MCPError) -> DetectedEra {
        let legacyVersion = ProtocolVersion.legacyVersions[0]
        let probeTime: Duration? = transport.kind == .stdio ? configuration.probeTimeout : nil
        let hardTimeout = configuration.defaultTimeout
        let result: Result<DetectedEra, MCPError> = await withTaskGroup(of: DetectionEvent.self) { group in
            var machine = EraDetection(version: version)
            group.addTask { .discover(await self.discover(version: version, timeout: hardTimeout)) }
            if let probeTime {
                group.addTask {
                    // The probe time as a child task: ended (cancelled) as soon as detection settles.
                    try? await Task.sleep(for: probeTime)
                    return .probeTimeElapsed
                }
            }
            while let event = await group.next() {
                let action: EraDetection.Action
                switch event {
                case .discover(let outcome): action = machine.handle(.discoverAnswered(outcome))
                case .probeTimeElapsed: action = Task.isCancelled ? .wait : machine.handle(.probeTimeElapsed)
                case .initialize(let outcome): action = machine.handle(.initializeAnswered(outcome))
                }
                switch action {
                case .wait:
                    continue
                case .sendInitialize:
                    group.addTask { .initialize(await self.requestInitialize(version: legacyVersion)) }
                case .modern(let outcome):
                    group.cancelAll()
                    return .success(.modern(outcome))
                case .legacy(let answer):
                    group.cancelAll()
                    return .success(.legacy(answer, requested: legacyVersion))
                case .fail(let error):
                    group.cancelAll()
                    return .failure(error)
                }
            }
            return .failure(MCPError(.protocolError, "era detection ended without an answer"))
        }
        return try result.get()
    }

    private func noCommonVersion(_ supported: [ProtocolVersion]) -> MCPError {
        MCPError(
            .unsupportedVersion,
            "no protocol version in common: the server supports \(supported.map(\.rawValue).joined(separator: ", ")); Switchboard speaks \(ProtocolVersion.supported.map(\.rawValue).joined(separator: ", "))"
        )
    }

    /// What a `server/discover` probe said.
    package enum DiscoverOutcome: Sendable {
        case modern(DiscoverResult)
        case unsupported([ProtocolVersion])
        case notModern(MCPError)
    }

    func modernMeta(version: ProtocolVersion) -> JSONObject {
        var meta = JSONObject()
        RequestMetadata(
            protocolVersion: version,
            clientCapabilities: configuration.capabilities,
            clientInfo: configuration.clientInfo
        ).apply(to: &meta)
        return meta
    }

    func discover(version: ProtocolVersion, timeout: Duration) async -> DiscoverOutcome {
        let params: JSONObject = ["_meta": .object(modernMeta(version: version))]
        let (_, outcome) = await exchange(
            method: Method.discover,
            params: params,
            protocolVersion: version,
            timeout: timeout,
            options: .default
        )
        switch outcome {
        case .result(let object):
            do {
                return .modern(try DiscoverResult(json: object))
            } catch {
                return .notModern(MCPError(.protocolError, "server/discover returned a malformed result: \(error)"))
            }
        case .error(let rpc):
            if rpc.code == ErrorCode.unsupportedProtocolVersion, let data = UnsupportedVersionData(rpc.data) {
                return .unsupported(data.supported)
            }
            if ErrorCode.modernCodes.contains(rpc.code) {
                // A modern server refusing for another reason (a header, a capability).
                return .modern(DiscoverResult(supportedVersions: [version], capabilities: ServerCapabilities(), serverInfo: nil))
            }
            return .notModern(MCPError(rpc: rpc, while: "server/discover"))
        case .failure(let error):
            return .notModern(error)
        }
    }

    func adoptModern(version: ProtocolVersion, discover: DiscoverResult) {
        state.withLock {
            $0.negotiated(
                Negotiation(
                    protocolVersion: version,
                    serverInfo: discover.metaServerInfo,
                    capabilities: discover.capabilities,
                    instructions: discover.instructions,
                    supportedVersions: discover.supportedVersions,
                    requestMeta: modernMeta(version: version)
                )
            )
        }
        logger.debug("negotiated modern protocol", metadata: ["version": "\(version)"])
    }

    /// The legacy handshake: `initialize`, check the version the server chose, then
    /// `notifications/initialized`.
    func initialize(version: ProtocolVersion, acceptCounterOffer: Bool) async throws(MCPError) {
        let result = try await requestInitialize(version: version).get()
        try await adoptLegacy(result, requested: version, acceptCounterOffer: acceptCounterOffer)
    }

    /// Sends `initialize` and reads its result; adopts nothing.
    func requestInitialize(version: ProtocolVersion) async -> Result<InitializeResult, MCPError> {
        let params = InitializeParams(
            protocolVersion: version,
            capabilities: configuration.capabilities,
            clientInfo: configuration.clientInfo
        )
        let (_, outcome) = await exchange(
            method: Method.initialize,
            params: params.json,
            protocolVersion: nil,
            timeout: configuration.defaultTimeout,
            options: .default
        )
        switch outcome {
        case .result(let object):
            do { return .success(try InitializeResult(json: object)) } catch {
                return .failure(MCPError(.protocolError, "initialize returned a malformed result: \(error)"))
            }
        case .error(let rpc):
            return .failure(MCPError(rpc: rpc, while: "initialize"))
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Checks the version a legacy server chose, adopts it, and sends `notifications/initialized`.
    func adoptLegacy(_ result: InitializeResult, requested version: ProtocolVersion, acceptCounterOffer: Bool) async throws(MCPError) {
        let offered = result.protocolVersion
        guard offered.isKnown, offered.era == .legacy else {
            throw MCPError(
                .unsupportedVersion,
                "the server answered initialize with protocol version \(offered), which Switchboard does not speak"
            )
        }
        if offered != version && !acceptCounterOffer {
            throw MCPError(
                .unsupportedVersion,
                "the server does not support pinned version \(version); it offered \(offered)"
            )
        }
        state.withLock {
            $0.negotiated(
                Negotiation(
                    protocolVersion: offered,
                    serverInfo: result.serverInfo,
                    capabilities: result.capabilities,
                    instructions: result.instructions,
                    supportedVersions: [offered],
                    requestMeta: [:]
                )
            )
        }
        try await notify(NotificationMethod.initialized)
        logger.debug("negotiated legacy protocol", metadata: ["version": "\(offered)"])
    }
}
