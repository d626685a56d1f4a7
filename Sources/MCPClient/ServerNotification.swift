public import JSONCore
import JSONSchema
import Logging
public import MCPTransport
public import MCPWire
import Synchronization

/// A notification from the server, typed.
public enum ServerNotification: Sendable, Hashable {
    case toolsListChanged
    case resourcesListChanged
    case promptsListChanged
    case resourceUpdated(uri: String)
    case log(LoggingMessageParams)
    case progress(ProgressParams)
    /// The server cancelled a request it had sent us.
    case cancelled(CancelledParams)
    /// A `subscriptions/listen` stream was acknowledged with the filter the server honours.
    case subscriptionAcknowledged(SubscriptionFilter)
    /// Any other notification, kept whole.
    case other(method: String, params: JSONObject?)

    /// Types a notification by its method.
    public init(_ notification: JSONRPCNotification) {
        let params = notification.params ?? [:]
        switch notification.method {
        case NotificationMethod.toolsListChanged: self = .toolsListChanged
        case NotificationMethod.resourcesListChanged: self = .resourcesListChanged
        case NotificationMethod.promptsListChanged: self = .promptsListChanged
        case NotificationMethod.resourceUpdated:
            self = .resourceUpdated(uri: params.string("uri") ?? "")
        case NotificationMethod.message:
            if let log = try? LoggingMessageParams(json: params) {
                self = .log(log)
            } else {
                self = .other(method: notification.method, params: notification.params)
            }
        case NotificationMethod.progress:
            if let progress = try? ProgressParams(json: params) {
                self = .progress(progress)
            } else {
                self = .other(method: notification.method, params: notification.params)
            }
        case NotificationMethod.cancelled:
            if let cancelled = try? CancelledParams(json: params) {
                self = .cancelled(cancelled)
            } else {
                self = .other(method: notification.method, params: notification.params)
            }
        case NotificationMethod.subscriptionsAcknowledged:
            self = .subscriptionAcknowledged(SubscriptionsAcknowledgedParams(uncheckedJSON: params).notifications)
        default:
            self = .other(method: notification.method, params: notification.params)
        }
    }
}

/// Something that happened to the session itself, as opposed to a message from the server.
public enum SessionEvent: Sendable {
    /// The server sent something that is not a readable message; the session carried on.
    case malformedMessage(TransportError)
    /// Notifications were dropped because no one was reading them fast enough.
    case notificationsDropped(count: Int)
    /// The connection was lost with requests in flight; the next request re-establishes it
    /// (a restarted server process).
    case connectionLost(MCPError)
    /// The server forgot a legacy HTTP session (HTTP 404) and it was initialized again; the
    /// request that found out was sent again once.
    case sessionReestablished
    /// The connection closed; `nil` when closed by this side.
    case closed(MCPError?)
}
