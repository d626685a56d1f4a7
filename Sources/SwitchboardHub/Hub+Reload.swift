public import SwitchboardConfiguration
import Synchronization

/// What a reload did.
public struct ReloadReport: Sendable, Hashable {
    public var added: [String]
    public var removed: [String]
    public var changed: [String]
    /// Servers left as they were.
    public var unchanged: [String]
    /// Changed servers whose replacement did not connect: the running one keeps serving, and
    /// why the replacement failed. A maintained hub keeps trying the replacement in the
    /// background and swaps it in once it is ready.
    public var kept: [String: String] = [:]
}

extension Hub {
    /// Applies a new configuration while calls run: added servers connect; removed ones stop
    /// taking calls, finish those in flight (at most `drainTimeout`), then close; a changed
    /// server is connected anew and swapped in only once that replacement is ready (the old
    /// one keeps serving until then, and if it never is), its old replicas drained the same
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
        let (replaced, failed) = state.withLock { state -> ([ServerEntry], [ServerEntry]) in
            var replaced: [ServerEntry] = [], failed: [ServerEntry] = []
            for name in report.changed {
                guard let entry = state.pending[name] else { continue }
                // Only a replacement that is ready takes over; a failed one never replaces a
                // server that works (a disabled one replaces it: that is what was asked).
                guard entry.phase == .ready || entry.definition.disabled || state.servers[name] == nil else {
                    if case .failed(let message) = entry.phase { report.kept[name] = message } else { report.kept[name] = "still \(entry.phase)" }
                    if !maintaining { state.pending[name] = nil }
                    failed.append(entry)
                    continue
                }
                state.pending[name] = nil
                if let previous = state.servers[name] { replaced.append(previous) }
                state.servers[name] = entry
                state.maintenance.removeValue(forKey: name)?.cancel()
            }
            state.configuration = new
            state.rebuildRoutes()
            return (replaced, failed)
        }
        if maintaining {
            for name in report.added + report.changed where report.kept[name] == nil {
                if let entry = state.withLock({ $0.servers[name] }), !entry.definition.disabled { scheduleMaintenance(entry) }
            }
            for entry in failed { scheduleReplacement(entry) }
        }
        for (name, reason) in report.kept.sorted(by: { $0.key < $1.key }) {
            eventBus.emit(.serverFailed(server: name, error: "the changed configuration did not connect, so the running one was kept: \(reason)"))
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in retired + replaced { group.addTask { await entry.pool.drain(within: drainTimeout) } }
            if !maintaining { for entry in failed { group.addTask { await entry.pool.close() } } }
        }
        eventBus.emit(.reloaded(added: report.added, removed: report.removed, changed: report.changed))
        return report
    }

    /// Keeps connecting a changed server's replacement that was not ready at reload (with
    /// backoff), and swaps it in, draining the old one, once it is.
    func scheduleReplacement(_ entry: ServerEntry) {
        let name = entry.definition.name
        let pool = entry.pool
        // Lives until the replacement is in, is replaced itself by a later reload, or the hub closes.
        let task = Task { [weak self] in
            var backoff = Duration.milliseconds(500)
            while !Task.isCancelled {
                try? await Task.sleep(for: backoff)
                guard let self, !Task.isCancelled, self.state.withLock({ $0.pending[name]?.pool === pool && !$0.closed }) else { return }
                await self.establish(entry)
                let previous = self.state.withLock { state -> ServerEntry?? in
                    guard let current = state.pending[name], current.pool === pool, current.phase == .ready else { return .none }
                    state.pending[name] = nil
                    let previous = state.servers[name]
                    state.servers[name] = current
                    state.rebuildRoutes()
                    return .some(previous)
                }
                if let previous {
                    self.scheduleMaintenance(entry)
                    self.eventBus.emit(.reloaded(added: [], removed: [], changed: [name]))
                    await previous?.pool.drain(within: .seconds(30))
                    return
                }
                backoff = min(backoff * 2, .seconds(30))
            }
        }
        state.withLock { state in
            if state.closed {
                task.cancel()
            } else {
                state.maintenance["replacement:" + name]?.cancel()
                state.maintenance["replacement:" + name] = task
            }
        }
    }

    /// Settings compared for a reload: where the chain is written in the file does not matter.
    static func sameSettings(_ a: ServerSettings, _ b: ServerSettings) -> Bool {
        var a = a, b = b
        a.interceptorsLocation = nil
        b.interceptorsLocation = nil
        return a == b
    }
}
