public import SwitchboardConfiguration
import Synchronization

/// What a reload did.
public struct ReloadReport: Sendable, Hashable {
    public var added: [String]
    public var removed: [String]
    public var changed: [String]
    /// Servers left as they were.
    public var unchanged: [String]
}

extension Hub {
    /// Applies a new configuration while calls run: added servers connect; removed ones stop
    /// taking calls, finish those in flight (at most `drainTimeout`), then close; a changed
    /// server is connected anew and swapped in when ready, its old replicas drained the same
    /// way; untouched servers are not touched at all.
    public func apply(_ new: SwitchboardConfiguration, drainTimeout: Duration = .seconds(30)) async -> ReloadReport {
        // A new separator renames every qualified tool: all servers count as changed.
        let renamed = state.withLock { $0.configuration.separator != new.separator }
        let (old, maintaining) = state.withLock { ($0.servers, $0.maintaining) }
        var report = ReloadReport(added: [], removed: [], changed: [], unchanged: [])
        var fresh: [String: ServerEntry] = [:]
        for server in new.servers {
            let settings = new.effectiveSettings(of: server)
            if let current = old[server.name], !renamed, current.definition == server, Self.sameSettings(current.settings, settings) {
                report.unchanged.append(server.name)
                continue
            }
            if old[server.name] == nil { report.added.append(server.name) } else { report.changed.append(server.name) }
            fresh[server.name] = ServerEntry(definition: server, settings: settings)
        }
        report.removed = old.keys.filter { new.server(named: $0) == nil }.sorted()

        // Removed servers leave the catalog at once; their calls in flight finish.
        let retired = state.withLock { state -> [ServerEntry] in
            state.configuration.servers.removeAll { report.removed.contains($0.name) }
            let entries = report.removed.compactMap { state.servers.removeValue(forKey: $0) }
            for name in report.removed { state.maintenance.removeValue(forKey: name)?.cancel() }
            state.rebuildRoutes()
            return entries
        }
        // Added servers appear (connecting); a changed one keeps serving from its old entry
        // while the new one connects beside it.
        state.withLock { state in
            for name in report.added { state.servers[name] = fresh[name] }
            for name in report.changed { state.pending[name] = fresh[name] }
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in fresh.values where !entry.definition.disabled {
                group.addTask { await self.establish(entry) }
            }
        }
        let replaced = state.withLock { state -> [ServerEntry] in
            var replaced: [ServerEntry] = []
            for name in report.changed {
                guard let entry = state.pending.removeValue(forKey: name) else { continue }
                if let previous = state.servers[name] { replaced.append(previous) }
                state.servers[name] = entry
                state.maintenance.removeValue(forKey: name)?.cancel()
            }
            state.configuration = new
            state.rebuildRoutes()
            return replaced
        }
        if maintaining {
            for name in report.added + report.changed {
                if let entry = state.withLock({ $0.servers[name] }), !entry.definition.disabled { scheduleMaintenance(entry) }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in retired + replaced { group.addTask { await entry.pool.drain(within: drainTimeout) } }
        }
        eventBus.emit(.reloaded(added: report.added, removed: report.removed, changed: report.changed))
        return report
    }

    /// Settings compared for a reload: where the chain is written in the file does not matter.
    static func sameSettings(_ a: ServerSettings, _ b: ServerSettings) -> Bool {
        var a = a, b = b
        a.interceptorsLocation = nil
        b.interceptorsLocation = nil
        return a == b
    }
}
