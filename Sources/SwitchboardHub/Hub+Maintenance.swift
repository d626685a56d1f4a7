import MCPClient
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import Synchronization

extension Hub {
    /// Reconnects what failed (backing off while the whole server is down), checks health, and
    /// lists the catalog again when its time-to-live runs out.
    func scheduleMaintenance(_ entry: ServerEntry) {
        let name = entry.definition.name
        let pool = entry.pool
        let interval = Duration.milliseconds(Int64(pool.health.intervalSeconds * 1000))
        let task = Task { [weak self] in
            var backoff = Duration.milliseconds(500)
            while !Task.isCancelled {
                guard let self, self.isCurrent(name, pool) else { return }
                let down = self.entry(name, pool)?.phase.isFailed ?? true
                let incomplete = down || !pool.missing.isEmpty
                try? await Task.sleep(for: incomplete || interval == .zero ? backoff : interval)
                guard !Task.isCancelled, self.isCurrent(name, pool) else { return }
                if incomplete {
                    await self.establish(entry)
                    let failed = self.entry(name, pool)?.phase.isFailed ?? true
                    backoff = failed ? min(backoff * 2, .seconds(30)) : .milliseconds(500)
                }
                if interval > .zero { await self.checkHealth(name, pool) }
                let expired = self.entry(name, pool)?.catalogExpires.map { $0 <= .now } ?? false
                if expired { await self.refreshCatalog(name, pool: pool) }
            }
        }
        state.withLock { state in
            if state.closed {
                task.cancel()
            } else {
                state.maintenance[name]?.cancel()
                state.maintenance[name] = task
            }
        }
    }

    /// Checks the health of every replica of every ready server once, now (what maintenance
    /// does every `health.intervalSeconds`); each answer's round trip becomes a latency sample.
    public func checkHealth() async {
        let pools = state.withLock { state in state.servers.values.filter { $0.phase == .ready }.map { ($0.definition.name, $0.pool) } }
        await withTaskGroup(of: Void.self) { group in
            for (name, pool) in pools { group.addTask { await self.checkHealth(name, pool) } }
        }
    }

    /// Asks each connected replica whether it is alive: `server/discover` for a modern
    /// server, `ping` for a legacy one. An answer ends an ejection; silence counts against it.
    private func checkHealth(_ name: String, _ pool: ReplicaPool) async {
        // Past the chain: a breaker that is open, or a retry, would hide what the server itself does.
        let options = {
            var options = RequestOptions(timeout: .milliseconds(Int64(pool.health.timeoutSeconds * 1000)), bypassCache: true)
            options.bypassInterceptors = true
            return options
        }()
        let replicas = pool.endpoints.indices.compactMap { index in pool.session(at: index).map { (index, $0) } }
        await withTaskGroup(of: Void.self) { group in
            for (index, session) in replicas {
                group.addTask {
                    let clock = ContinuousClock()
                    let start = clock.now
                    let wasEjected = pool.isEjected(index)
                    do throws(MCPError) {
                        if session.era == .modern {
                            _ = try await session.discover(options: options)
                        } else {
                            try await session.ping(options: options)
                        }
                        pool.checked(index, healthy: true, latency: clock.now - start)
                    } catch {
                        pool.checked(index, healthy: !error.countsAgainstServer, latency: clock.now - start)
                    }
                    if wasEjected && !pool.isEjected(index) {
                        self.eventBus.emit(.replicaRestored(server: name, endpoint: pool.endpoints[index].description))
                    }
                }
            }
        }
    }
}
