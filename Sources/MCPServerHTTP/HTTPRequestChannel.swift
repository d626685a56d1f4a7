import JSONCore
import MCPServer
import MCPWire

/// What a request handler produces while it runs, in order: side messages, then its outcome.
enum RequestEvent: Sendable {
    case message(JSONRPCMessage)
    case final(Result<JSONObject, ServerError>)
}

/// Routes a request's side traffic onto its own HTTP response (switching it to SSE), or,
/// when the answer must be plain JSON, pushed requests onto the session's GET stream.
struct HTTPRequestChannel: RequestChannel {
    let events: EventQueue<RequestEvent>
    let mode: ResponseMode
    let session: HTTPLegacySession?

    func notify(_ notification: JSONRPCNotification) async {
        guard mode != .json else { return }
        events.push(.message(.notification(notification)))
    }

    func requestFromClient(method: String, params: JSONObject?) async throws -> JSONObject {
        guard let session else {
            throw ServerError(code: ErrorCode.invalidRequest, message: "a stateless request cannot send requests to the client")
        }
        let events = self.events
        let mode = self.mode
        return try await session.sendRequest(method: method, params: params) { message in
            if mode == .json {
                session.pushToStandalone(message)
            } else {
                events.push(.message(message))
            }
        }
    }
}
