public import MCPClient
public import MCPServer
import MCPTransport

/// Runs `body` with a client session connected in memory to `server`, then tears both down.
///
/// Every message crosses as encoded bytes, so what the test sees is what a wire would carry.
///
/// ```swift
/// try await withTestSession(server: DemoServer.make()) { session in
///     #expect(try await session.callTool("echo", arguments: ["text": "hi"]).text == "hi")
/// }
/// ```
@discardableResult
public func withTestSession<Result: Sendable>(
    server: Server,
    configuration: ClientConfiguration = ClientConfiguration(),
    _ body: (ClientSession) async throws -> Result
) async throws -> Result {
    let (clientSide, serverSide) = InMemoryTransport.makePair()
    let serverSession = ServerSession(server: server, transport: serverSide)
    // The server side serves until the client closes the pair; it is awaited below.
    let serving = Task { try? await serverSession.run() }
    defer { serving.cancel() }
    let result = try await ClientSession.withSession(transport: clientSide, configuration: configuration, body)
    await serverSession.close()
    await serving.value
    return result
}
