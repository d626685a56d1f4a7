import JSONCore
import JSONSchema
import Logging
import MCPTransport
import MCPWire
import Synchronization

extension ClientSession {
    /// Chooses the protocol version and era, per the specification's rules:
    /// - a pinned version is used as it is;
    /// - otherwise `server/discover` is tried with the newest modern version. A result, or a
    ///   modern error such as `UnsupportedProtocolVersionError`, means a modern server (the
    ///   retry uses a version it listed). Any other error, or no answer within the probe
    ///   timeout, means a legacy server, which gets the `initialize` handshake.
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
        for _ in 0..<3 {
            let timeout = transport.kind == .stdio ? configuration.probeTimeout : configuration.defaultTimeout
            switch await discover(version: version, timeout: timeout) {
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
                if error.code == .connectionFailed || error.code == .transportClosed || error.code == .cancelled {
                    throw error
                }
                logger.debug("server is not modern; falling back to initialize", metadata: ["reason": "\(error.message)"])
                try await initialize(version: ProtocolVersion.legacyVersions[0], acceptCounterOffer: true)
                return
            }
        }
        throw MCPError(.unsupportedVersion, "version negotiation did not settle after several attempts")
    }

    private func noCommonVersion(_ supported: [ProtocolVersion]) -> MCPError {
        MCPError(
            .unsupportedVersion,
            "no protocol version in common: the server supports \(supported.map(\.rawValue).joined(separator: ", ")); Switchboard speaks \(ProtocolVersion.supported.map(\.rawValue).joined(separator: ", "))"
        )
    }

    enum DiscoverOutcome {
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
            method: Method.discover, params: params, protocolVersion: version, timeout: timeout, options: .default
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
        negotiationState.withLock {
            $0 = Negotiation(
                protocolVersion: version,
                serverInfo: discover.metaServerInfo,
                capabilities: discover.capabilities,
                instructions: discover.instructions,
                supportedVersions: discover.supportedVersions,
                requestMeta: modernMeta(version: version)
            )
        }
        logger.debug("negotiated modern protocol", metadata: ["version": "\(version)"])
    }

    /// The legacy handshake: `initialize`, check the version the server chose, then
    /// `notifications/initialized`.
    func initialize(version: ProtocolVersion, acceptCounterOffer: Bool) async throws(MCPError) {
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
        let result: InitializeResult
        switch outcome {
        case .result(let object):
            do { result = try InitializeResult(json: object) } catch {
                throw MCPError(.protocolError, "initialize returned a malformed result: \(error)")
            }
        case .error(let rpc):
            throw MCPError(rpc: rpc, while: "initialize")
        case .failure(let error):
            throw error
        }
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
        negotiationState.withLock {
            $0 = Negotiation(
                protocolVersion: offered,
                serverInfo: result.serverInfo,
                capabilities: result.capabilities,
                instructions: result.instructions,
                supportedVersions: [offered],
                requestMeta: [:]
            )
        }
        try await notify(NotificationMethod.initialized)
        logger.debug("negotiated legacy protocol", metadata: ["version": "\(offered)"])
    }
}
