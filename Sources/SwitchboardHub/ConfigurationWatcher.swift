public import SwitchboardConfiguration
import Synchronization

extension Hub {
    /// Watches `file` and applies each valid new version; an invalid one is reported as a
    /// ``HubEvent/reloadRejected(_:)`` event and the running configuration stays.
    ///
    /// The file is polled (its modification time and size) every `interval`: simple, and it
    /// sees an editor's write-and-rename as well as an in-place write. The returned task runs
    /// until cancelled or the hub closes.
    public func watch(file: String, loader: ConfigurationLoader, interval: Duration = .seconds(1)) -> Task<Void, Never> {
        Task { [weak self] in
            func stamp() -> [Int64]? { TextFile.stamp(file).map { [$0.modified, $0.size] } }
            var last = stamp()
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled, !self.isClosed else { return }
                let current = stamp()
                guard current != last else { continue }
                last = current
                do throws(ConfigError) {
                    let configuration = try loader.load(file)
                    _ = await self.apply(configuration)
                } catch {
                    self.eventBus.emit(.reloadRejected(error.diagnostics))
                }
            }
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }
}
