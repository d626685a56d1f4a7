/// Where every routable name goes: each server's names qualified (`server__tool`), and the
/// bare names that exactly one server offers. A name offered by several servers routes only
/// by its qualified names, and the clash is kept so it can be reported, never resolved
/// silently.
///
/// A pure value, rebuilt whenever a catalog changes; a lookup is one dictionary access.
public struct RoutingTable: Sendable {
    /// Where a name goes.
    public struct Route: Sendable, Hashable {
        public var server: String
        /// The name the server knows it by.
        public var name: String

        public init(server: String, name: String) {
            self.server = server
            self.name = name
        }
    }

    public let separator: String
    private var routes: [String: Route] = [:]
    /// Bare names offered by more than one server, with those servers in order.
    public private(set) var clashes: [String: [String]] = [:]

    /// A table of `servers`' names (in configuration order), qualified with `separator`.
    public init(separator: String, servers: [(server: String, names: [String])]) {
        self.separator = separator
        var owners: [String: [String]] = [:]
        for (server, names) in servers {
            for name in names {
                routes[QualifiedName(server: server, name: name, separator: separator).description] = Route(server: server, name: name)
                owners[name, default: []].append(server)
            }
        }
        clashes = owners.filter { $0.value.count > 1 }
        for (name, servers) in owners where servers.count == 1 && routes[name] == nil {
            routes[name] = Route(server: servers[0], name: name)
        }
    }

    /// An empty table.
    public init(separator: String) {
        self.init(separator: separator, servers: [])
    }

    /// The route of a qualified or unambiguous bare name.
    public func route(_ name: String) -> Route? { routes[name] }

    /// Every name that routes somewhere.
    public var names: Dictionary<String, Route>.Keys { routes.keys }

    /// The qualified names of a bare name several servers offer.
    public func clash(_ name: String) -> [QualifiedName]? {
        clashes[name].map { servers in servers.map { QualifiedName(server: $0, name: name, separator: separator) } }
    }
}
