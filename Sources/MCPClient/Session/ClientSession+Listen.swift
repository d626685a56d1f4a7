import JSONCore
import JSONSchema
import Logging
import MCPTransport
public import MCPWire
import Synchronization

/// The `subscriptions/listen` stream a modern session keeps open.
package struct ListenState {
    var filter: SubscriptionFilter?
    var task: Task<Void, Never>?

    package init() {}

    init(filter: SubscriptionFilter?, task: Task<Void, Never>?) {
        self.filter = filter
        self.task = task
    }
}

extension ClientSession {
    /// The change notifications worth asking a modern server for, by its capabilities.
    func defaultListenFilter() -> SubscriptionFilter {
        let capabilities = serverCapabilities
        return SubscriptionFilter(
            toolsListChanged: capabilities.supportsTools,
            promptsListChanged: capabilities.supportsPrompts,
            resourcesListChanged: capabilities.supportsResources
        )
    }

    /// Opens (or replaces) the modern `subscriptions/listen` stream with `filter`, and waits
    /// until the server acknowledges it. Notifications then arrive on ``notifications()``.
    ///
    /// The stream stays open until the session closes or the filter is replaced. If it breaks
    /// afterwards (the connection was lost, the server restarted or ended it), it is opened
    /// again with backoff, so change notifications keep coming. On legacy servers this does
    /// nothing: they send list changes unasked.
    public func listen(_ filter: SubscriptionFilter) async throws(MCPError) {
        guard era == .modern else { return }
        stopListening()
        guard !filter.isEmpty else { return }
        let acknowledged = ContinuationSlot<SubscriptionFilter>()
        let stream = notifications()
        // The listen request stays open for as long as the subscription lives, which is longer
        // than this call: it runs in a task owned by the session, cancelled by `stopListening()`
        // and by `close()`.
        let task = Task { [weak self] in
            guard let self else { return }
            let watcher = Task {
                for await notification in stream {
                    if case .subscriptionAcknowledged(let granted) = notification {
                        acknowledged.resume(returning: granted)
                        return
                    }
                }
            }
            defer { watcher.cancel() }
            var backoff = Self.relistenBackoff.lowerBound
            while true {
                let opened = ContinuousClock.now
                let failure: MCPError
                do throws(MCPError) {
                    _ = try await self.request(
                        Method.subscriptionsListen,
                        params: SubscriptionsListenParams(notifications: filter).json,
                        options: RequestOptions(timeout: .seconds(86_400 * 365))
                    )
                    failure = MCPError(.protocolError, "the server ended the subscription")
                } catch {
                    failure = error
                }
                // Before the first acknowledgement the caller hears of the failure; after it,
                // the stream is opened again unless the session is gone.
                if acknowledged.resume(throwing: failure) || Task.isCancelled || self.isClosedForGood { return }
                if ContinuousClock.now - opened > Self.relistenBackoff.upperBound { backoff = Self.relistenBackoff.lowerBound }
                self.logger.debug("subscriptions/listen ended; opening it again", metadata: ["error": "\(failure)", "in": "\(backoff)"])
                do { try await Task.sleep(for: backoff) } catch { return }
                backoff = min(backoff * 2, Self.relistenBackoff.upperBound)
            }
        }
        let ended = state.withLock { state -> Bool in
            if state.isEnded { return true }
            state.listen = ListenState(filter: filter, task: task)
            return false
        }
        if ended {
            task.cancel()
            throw MCPError(.transportClosed, "the session is closed")
        }
        // The server must acknowledge first; do not wait for that longer than for any answer.
        let deadline = configuration.defaultTimeout
        do {
            let granted = try await acknowledged.wait(atMost: deadline) {
                .failure(MCPError(.timeout, "subscriptions/listen was not acknowledged within \(deadline)"))
            }
            logger.debug("subscription acknowledged", metadata: ["filter": "\(granted)"])
        } catch let error as MCPError {
            stopListening()
            throw error
        } catch {
            stopListening()
            throw MCPError(.protocolError, "subscriptions/listen failed: \(error)")
        }
    }

    /// The wait before opening a broken listen stream again: first, and at most.
    static var relistenBackoff: ClosedRange<Duration> { .milliseconds(50) ... .seconds(30) }

    /// Whether the session (not just the connection) has ended.
    var isClosedForGood: Bool { state.withLock { $0.isEnded } }

    /// Closes the `subscriptions/listen` stream, if one is open.
    func stopListening() {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state.listen.task = nil }
            return state.listen.task
        }
        task?.cancel()
    }
}
