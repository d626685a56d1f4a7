import MCPWire
import Synchronization

/// Two connected transports in one process, for tests and for embedding a server.
///
/// What one side sends, the other receives, in order, with no copying through bytes unless
/// ``encodesMessages`` is set (then each message makes a real encode/decode round trip, so
/// tests see exactly what a wire would carry).
public final class InMemoryTransport: Transport {
    public var kind: TransportKind { .inMemory }
    /// Whether each message is encoded to bytes and decoded again on the way across.
    public let encodesMessages: Bool
    private struct State {
        var inbound: (any TransportInbound)?
        var peer: InMemoryTransport?
        var closed = false
        /// Messages that arrived before this side started, delivered when it does.
        var early: [JSONRPCMessage] = []
    }
    private let state = Mutex(State())

    private init(encodesMessages: Bool) {
        self.encodesMessages = encodesMessages
    }

    /// A connected pair: (client side, server side).
    public static func makePair(encodesMessages: Bool = true) -> (client: InMemoryTransport, server: InMemoryTransport) {
        let a = InMemoryTransport(encodesMessages: encodesMessages)
        let b = InMemoryTransport(encodesMessages: encodesMessages)
        a.state.withLock { $0.peer = b }
        b.state.withLock { $0.peer = a }
        return (a, b)
    }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        let early = state.withLock { state in
            state.inbound = inbound
            defer { state.early.removeAll() }
            return state.early
        }
        for message in early { deliver(message, to: inbound) }
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        let peer: InMemoryTransport? = state.withLock { $0.closed ? nil : $0.peer }
        guard let peer else { throw TransportError(.closed, "the in-memory transport is closed") }
        try peer.deliver(message.message, encoded: encodesMessages)
    }

    private func deliver(_ message: JSONRPCMessage, encoded: Bool) throws(TransportError) {
        enum Route {
            case closed, queued
            case deliver(any TransportInbound)
        }
        let route: Route = state.withLock { state in
            if state.closed { return .closed }
            guard let inbound = state.inbound else {
                state.early.append(message)
                return .queued
            }
            return .deliver(inbound)
        }
        switch route {
        case .closed: throw TransportError(.closed, "the other side of the in-memory transport is closed")
        case .queued: return
        case .deliver(let inbound): deliver(message, to: inbound)
        }
    }

    private func deliver(_ message: JSONRPCMessage, to inbound: any TransportInbound) {
        if encodesMessages {
            let bytes = message.encoded()
            bytes.withUnsafeBufferPointer { inbound.deliverFrame($0) }
        } else {
            inbound.receive(message)
        }
    }

    public func close() async {
        let (inbound, peer): ((any TransportInbound)?, InMemoryTransport?) = state.withLock { state in
            if state.closed { return (nil, nil) }
            state.closed = true
            // Closed, it lets go of its receiver and its peer, so nothing keeps the other alive.
            defer {
                state.inbound = nil
                state.peer = nil
            }
            return (state.inbound, state.peer)
        }
        inbound?.closed(nil)
        await peer?.peerClosed()
    }

    private func peerClosed() async {
        let inbound: (any TransportInbound)? = state.withLock { state in
            if state.closed { return nil }
            state.closed = true
            defer {
                state.inbound = nil
                state.peer = nil
            }
            return state.inbound
        }
        inbound?.closed(TransportError(.closed, "the other side closed the connection"))
    }
}
