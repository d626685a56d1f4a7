import JSONCore
import MCPServer
import MCPWire
import Synchronization

/// A legacy (2025-03-26 to 2025-11-25) Streamable HTTP session, named by `Mcp-Session-Id`.
///
/// It holds what `initialize` fixed, the requests the server has pushed to the client and
/// awaits, and the standalone GET stream with a replay buffer for `Last-Event-ID`.
final class HTTPLegacySession: Sendable {
    let id: String
    /// The name of the caller that opened it; nil when the endpoint does not identify callers.
    let owner: String?
    let connection = LegacyConnection()
    let initialized = Atomic<Bool>(false)
    private let outgoing = Mutex<[MCPWire.RequestID: CheckedContinuation<JSONObject, any Error>]>([:])
    private let outgoingCounter = Atomic<Int>(0)
    private let replayLimit: Int

    private struct StreamState {
        var queue: EventQueue<(id: Int, message: JSONRPCMessage)>?
        var replay: [(id: Int, message: JSONRPCMessage)] = []
        var nextEventID = 1
        /// The last event handed to an open stream; later ones wait for the next GET.
        var deliveredThrough = 0
    }
    private let stream = Mutex(StreamState())

    init(id: String, owner: String?, replayLimit: Int) {
        self.id = id
        self.owner = owner
        self.replayLimit = replayLimit
    }

    /// Sends a message on the standalone GET stream (or keeps it for when one opens).
    func pushToStandalone(_ message: JSONRPCMessage) {
        let (queue, event) = stream.withLock { state -> (EventQueue<(id: Int, message: JSONRPCMessage)>?, (Int, JSONRPCMessage)) in
            let event = (state.nextEventID, message)
            state.nextEventID += 1
            state.replay.append(event)
            if state.replay.count > replayLimit { state.replay.removeFirst(state.replay.count - replayLimit) }
            if state.queue != nil { state.deliveredThrough = event.0 }
            return (state.queue, event)
        }
        queue?.push(event)
    }

    /// Opens the standalone stream, replaying what came after `lastEventID` — or, on a first
    /// connection, what was pushed while no stream was open. A second GET replaces the first,
    /// whose stream ends.
    func openStandalone(after lastEventID: Int?) -> EventQueue<(id: Int, message: JSONRPCMessage)> {
        let queue = EventQueue<(id: Int, message: JSONRPCMessage)>()
        let previous = stream.withLock { state -> EventQueue<(id: Int, message: JSONRPCMessage)>? in
            let after = lastEventID ?? state.deliveredThrough
            for event in state.replay where event.id > after { queue.push(event) }
            state.deliveredThrough = max(state.deliveredThrough, state.replay.last?.id ?? 0)
            defer { state.queue = queue }
            return state.queue
        }
        previous?.finish()
        return queue
    }

    func closeStandalone(_ queue: EventQueue<(id: Int, message: JSONRPCMessage)>) {
        stream.withLock { state in
            if state.queue === queue { state.queue = nil }
        }
    }

    var hasStandalone: Bool { stream.withLock { $0.queue != nil } }

    /// Registers a request to the client; the answer arrives in a later POST.
    func sendRequest(method: String, params: JSONObject?, deliver: @Sendable (JSONRPCMessage) -> Void) async throws -> JSONObject {
        let id = MCPWire.RequestID.string("s-\(outgoingCounter.add(1, ordering: .relaxed).newValue)")
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outgoing.withLock { $0[id] = continuation }
                deliver(.request(JSONRPCRequest(id: id, method: method, params: params)))
            }
        } onCancel: {
            outgoing.withLock { $0.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Delivers the client's answer to a pushed request. Returns false for an unknown id.
    func answer(_ message: JSONRPCMessage) -> Bool {
        switch message {
        case .response(let response):
            guard let waiter = outgoing.withLock({ $0.removeValue(forKey: response.id) }) else { return false }
            waiter.resume(returning: response.result)
            return true
        case .errorResponse(let response):
            guard let id = response.id, let waiter = outgoing.withLock({ $0.removeValue(forKey: id) }) else { return false }
            waiter.resume(throwing: ServerError(code: response.error.code, message: response.error.message))
            return true
        default:
            return false
        }
    }

    /// Ends the session: pushed requests fail and the stream closes.
    func terminate() {
        let waiters = outgoing.withLock { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        stream.withLock { $0.queue }?.finish()
    }
}
