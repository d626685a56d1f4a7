public import JSONCore
import JSONSchema
import Logging
import MCPTransport
import MCPWire
import Synchronization

extension ClientSession {
    /// Methods whose results may be `input_required` (2026-07-28).
    static let multiRoundTripMethods: Set<String> = [Method.toolsCall, Method.promptsGet, Method.resourcesRead]

    /// Sends a request and returns its result object.
    ///
    /// The request passes through the configured interceptors (``ClientConfiguration/interceptors``)
    /// with one deadline for all its attempts, then to the server. Use this for methods the
    /// typed API does not cover.
    public func request(
        _ method: String,
        params: JSONObject? = nil,
        options: RequestOptions = .default,
        headers: [(name: String, value: String)] = []
    ) async throws(MCPError) -> JSONObject {
        try await request(method, params: params, options: options, headers: headers, tool: nil)
    }

    /// ``request(_:params:options:headers:)``, with the tool's definition when the caller has
    /// already looked it up (`callTool` has), so the chain's context need not look again.
    func request(
        _ method: String,
        params: JSONObject?,
        options: RequestOptions,
        headers: [(name: String, value: String)],
        tool known: Tool?
    ) async throws(MCPError) -> JSONObject {
        let request = InterceptedRequest(method: method, params: params ?? [:], options: options, headers: headers)
        let deadline = options.storedDeadline ?? ClockInstant.now + (options.timeout ?? configuration.defaultTimeout)
        guard let chain, !options.bypassInterceptors else {
            return try await perform(request, deadline: deadline)
        }
        let toolName = request.toolName
        let negotiation = state.withLock { $0.negotiationBox }
        let context = InterceptorContext(
            server: configuration.serverName ?? negotiation?.value.serverInfo?.name ?? "server",
            method: method,
            toolName: toolName,
            tool: known ?? toolName.flatMap { toolCatalog.entry($0)?.tool },
            safety: configuration.safety,
            deadline: deadline,
            protocolVersion: negotiation?.value.protocolVersion,
            authorizationContext: authorizationContext,
            timeline: options.timeline
        )
        return try await chain.run(request, context, session: self)
    }

    /// The last step of the interceptor chain: one attempt at the server.
    @usableFromInline
    func perform(_ request: InterceptedRequest, context: InterceptorContext) async throws(MCPError) -> JSONObject {
        var request = request
        if let trace = context.traceContext, !trace.fields.isEmpty {
            var meta = request.params.object("_meta") ?? [:]
            for (key, value) in trace.fields.sorted(by: { $0.key < $1.key }) { meta[key] = .string(value) }
            request.params["_meta"] = .object(meta)
        }
        guard context.timeline != nil else { return try await perform(request, deadline: context.storedDeadline) }
        context.note("server", "attempt \(context.attempt): \(request.method) sent")
        do {
            let result = try await perform(request, deadline: context.storedDeadline)
            context.note("server", "answered")
            return result
        } catch {
            context.note("server", "failed: \(error.code)")
            throw error
        }
    }

    /// Sends one request, handling what every request shares: the modern `_meta`,
    /// `input_required` rounds, an expired legacy HTTP session or a restarted legacy server,
    /// and a server that stopped supporting the negotiated version.
    func perform(_ request: InterceptedRequest, deadline: ClockInstant) async throws(MCPError) -> JSONObject {
        let method = request.method
        let options = request.options
        var params = request.params
        var rounds = 0
        var recovered = false
        while true {
            // One look at the state per attempt: the version in force, the log level, and
            // whether a restarted legacy server needs the handshake first.
            let (current, logLevel, handshakeNeeded) = state.withLock { state in
                (state.negotiationBox, state.logLevel, state.negotiationBox?.value.era == .legacy ? state.takeHandshakeNeeded() : false)
            }
            guard let negotiation = current else {
                throw MCPError(.protocolError, "the session has not negotiated a protocol version")
            }
            let generation = reinitialization.current
            if handshakeNeeded {
                try await reestablishLegacySession(seenGeneration: generation)
                continue
            }
            var sent = params
            if negotiation.value.era == .modern || options.meta != nil {
                var meta = sent.object("_meta") ?? [:]
                if negotiation.value.era == .modern {
                    meta.merge(negotiation.value.requestMeta)
                    if let logLevel { meta[MetaKey.logLevel] = .string(logLevel.rawValue) }
                }
                if let extra = options.meta { meta.merge(extra) }
                sent["_meta"] = .object(meta)
            }
            // Rounds of `input_required` are new exchanges with a person or model in between:
            // each gets the full timeout. The first uses what is left of the call's deadline.
            let timeout = rounds == 0 ? max(.zero, ClockInstant.now.duration(to: deadline)) : (options.timeout ?? configuration.defaultTimeout)
            guard timeout > .zero else {
                throw MCPError(.timeout, "\(method) ran out of time before it could be sent")
            }
            let (_, outcome) = await exchange(
                method: method,
                params: sent.isEmpty ? nil : sent,
                protocolVersion: negotiation.value.protocolVersion,
                timeout: timeout,
                options: options,
                headers: request.headers
            )
            switch outcome {
            case .result(let result):
                let type = result.string("resultType") ?? ResultType.complete.rawValue
                if type == ResultType.complete.rawValue { return result }
                guard type == ResultType.inputRequired.rawValue, Self.multiRoundTripMethods.contains(method) else {
                    throw MCPError(.protocolError, "\(method) returned an unknown resultType '\(type)'")
                }
                rounds += 1
                guard rounds <= configuration.maximumInputRounds else {
                    throw MCPError(.protocolError, "\(method) still asked for input after \(rounds - 1) rounds")
                }
                let interim: InputRequiredResult
                do { interim = try InputRequiredResult(json: result) } catch {
                    throw MCPError(.protocolError, "\(method) returned a malformed input_required result: \(error)")
                }
                let responses = try await fulfilAll(interim.inputRequests, for: method)
                InputRetry(inputResponses: responses, requestState: interim.requestState).apply(to: &params)
            case .error(let rpc):
                if rpc.code == ErrorCode.unsupportedProtocolVersion, negotiation.value.era == .modern, !recovered,
                    configuration.pinnedVersion == nil
                {
                    // The server changed under us (a restart, a deploy): negotiate again, retry once.
                    recovered = true
                    try await negotiate()
                    continue
                }
                throw MCPError(rpc: rpc, while: method)
            case .failure(let error):
                if error.transportError?.code == .sessionExpired, negotiation.value.era == .legacy, !recovered {
                    recovered = true
                    try await reestablishLegacySession(seenGeneration: generation)
                    continue
                }
                throw error
            }
        }
    }

    /// Sends a request and wraps its result as `T`.
    func request<T: MCPObject>(
        _ method: String,
        params: JSONObject? = nil,
        as type: T.Type,
        options: RequestOptions = .default,
        headers: [(name: String, value: String)] = [],
        tool: Tool? = nil
    ) async throws(MCPError) -> T {
        let result = try await request(method, params: params, options: options, headers: headers, tool: tool)
        do {
            return try T(json: result)
        } catch {
            throw MCPError(.protocolError, "\(method) returned a malformed result: \(error)")
        }
    }

    /// Answers every input request of an `input_required` result, concurrently.
    func fulfilAll(_ requests: [(key: String, request: InputRequest)], for method: String) async throws(MCPError) -> JSONObject? {
        guard !requests.isEmpty else { return nil }
        do {
            // A struct as the children's result: Swift 6.3.1 miscompiles tuple results of
            // task-group children in some shapes (see `Hub.resources()`).
            struct Answer: Sendable {
                var key: String
                var response: JSONObject
            }
            return try await withThrowingTaskGroup(of: Answer.self) { group in
                for (key, request) in requests {
                    group.addTask { Answer(key: key, response: try await self.fulfil(request)) }
                }
                var responses = JSONObject()
                for try await answer in group { responses[answer.key] = .object(answer.response) }
                // Keep the server's order, for readability of what goes back.
                var ordered = JSONObject()
                for (key, _) in requests { ordered[key] = responses[key] }
                return ordered
            }
        } catch let refusal as RPCRefusal {
            throw MCPError(.protocolError, "\(method) asked for input this client cannot give: \(refusal.error.message)")
        } catch is CancellationError {
            throw MCPError(.cancelled, "\(method) was cancelled while gathering input")
        } catch {
            throw MCPError(.protocolError, "\(method): a handler for requested input failed: \(error)")
        }
    }

    /// After a legacy HTTP session expired (404), runs the handshake again, once for all callers.
    func reestablishLegacySession(seenGeneration: Int) async throws(MCPError) {
        guard let version = negotiation?.protocolVersion else { return }
        do {
            try await reinitialization.run(seenGeneration: seenGeneration) {
                try await self.initialize(version: version, acceptCounterOffer: true)
                self.publish(event: .sessionReestablished)
            }
        } catch let error as MCPError {
            throw error
        } catch {
            throw MCPError(.transportClosed, "could not re-establish the HTTP session: \(error)")
        }
    }
}
