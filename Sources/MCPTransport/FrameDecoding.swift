import MCPWire

extension TransportInbound {
    /// Reads one frame and delivers its message(s), or reports it as malformed.
    func deliverFrame(_ frame: UnsafeBufferPointer<UInt8>) {
        do {
            for message in try JSONRPCMessage.decodeFrame(frame) { receive(message) }
        } catch {
            let excerpt = String(decoding: frame.prefix(120), as: UTF8.self)
            receiveMalformed(TransportError(.malformedMessage, "unreadable message (\(error)): \(excerpt)"))
        }
    }
}
