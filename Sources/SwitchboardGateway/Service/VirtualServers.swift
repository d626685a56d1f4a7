import MCPServer
import MCPServerHTTP
import SwitchboardConfiguration
import Synchronization

/// The gateway's virtual servers (`"gateway": {"virtualServers": ...}`): each a named subset
/// of the catalog, served as a server of its own at `/mcp/<name>`. Kept in step with the file:
/// a reload adds and removes them; one whose definition did not change keeps its sessions.
final class VirtualServers: Sendable {
    struct Entry: Sendable {
        let subset: GatewaySettings.RoleSetting
        let server: Server
        let endpoint: MCPHTTPEndpoint
    }

    let entries = Mutex<[String: Entry]>([:])
    let make: @Sendable (String, GatewaySettings.RoleSetting) -> Entry

    init(make: @escaping @Sendable (String, GatewaySettings.RoleSetting) -> Entry) {
        self.make = make
    }

    /// Makes the servers `definitions` name, keeping those already there unchanged.
    func update(_ definitions: [String: GatewaySettings.RoleSetting]) {
        let current = entries.withLock { $0 }
        var next: [String: Entry] = [:]
        for (name, subset) in definitions {
            if let existing = current[name], existing.subset == subset {
                next[name] = existing
            } else {
                next[name] = make(name, subset)
            }
        }
        entries.withLock { $0 = next }
    }

    func endpoint(_ name: String) -> MCPHTTPEndpoint? { entries.withLock { $0[name]?.endpoint } }

    var servers: [Server] { entries.withLock { $0.values.map(\.server) } }

    var sessionCount: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.endpoint.sessionCount } } }
}
