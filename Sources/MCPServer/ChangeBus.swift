public import MCPWire
import Synchronization

/// A change a server announces to its clients.
public enum ServerChange: Sendable, Hashable {
    case toolsListChanged
    case resourcesListChanged
    case promptsListChanged
    case resourceUpdated(String)

    /// The notification that announces the change.
    public var notification: JSONRPCNotification {
        switch self {
        case .toolsListChanged: return JSONRPCNotification(method: NotificationMethod.toolsListChanged)
        case .resourcesListChanged: return JSONRPCNotification(method: NotificationMethod.resourcesListChanged)
        case .promptsListChanged: return JSONRPCNotification(method: NotificationMethod.promptsListChanged)
        case .resourceUpdated(let uri):
            return JSONRPCNotification(method: NotificationMethod.resourceUpdated, params: ResourceUpdatedParams(uri: uri).json)
        }
    }

    /// The resource a `resources/updated` change is about.
    public var resourceURI: String? {
        if case .resourceUpdated(let uri) = self { return uri }
        return nil
    }
}

/// Fans changes out to everyone listening: modern `subscriptions/listen` streams and legacy
/// sessions. Each listener has a bounded buffer, so a stalled client cannot grow memory.
final class ChangeBus: Sendable {
    private let listeners = Mutex<[Int: AsyncStream<ServerChange>.Continuation]>([:])
    private let counter = Atomic<Int>(0)

    func subscribe() -> AsyncStream<ServerChange> {
        let key = counter.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: ServerChange.self, bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: key) }
        }
        listeners.withLock { $0[key] = continuation }
        return stream
    }

    /// How many are listening now.
    var listenerCount: Int { listeners.withLock { $0.count } }

    func publish(_ change: ServerChange) {
        for listener in listeners.withLock({ Array($0.values) }) { listener.yield(change) }
    }
}
