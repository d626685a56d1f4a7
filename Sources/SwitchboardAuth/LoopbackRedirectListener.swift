import Hummingbird
import Logging
public import MCPAuth
public import MCPAuthHTTP
import MCPTransport
import NIOCore
import Synchronization

/// The redirect URI of a native app (RFC 8252 §7.3): an HTTP listener on
/// `127.0.0.1:<port>/callback` for as long as a sign-in waits. It answers the browser with a
/// short page and hands the query of the redirect that carries the expected `state` to the
/// sign-in.
public struct LoopbackRedirectListener: RedirectListener {
    /// How long to wait for the browser to come back.
    public var timeout: Duration

    public init(timeout: Duration = .seconds(300)) {
        self.timeout = timeout
    }

    public func listening<Result: Sendable>(
        at address: RedirectAddress,
        _ body: (any RedirectReceiver) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result {
        switch address {
        case .fixed(let uri):
            guard let url = try? AbsoluteURL(uri), url.scheme == "http", let port = url.port else {
                throw AuthError(.invalidURL, "the redirect URI \(uri) is not an http loopback URL with a port")
            }
            do throws(AuthError) {
                // localhost: browsers fall back to 127.0.0.1 when nothing answers on ::1.
                let host = url.host == "[::1]" ? "::1" : "127.0.0.1"
                return try await listening(host: host, port: port, path: url.path.isEmpty ? "/" : url.path, fixedURI: uri, body)
            } catch  where error.code == .unreachable {
                throw AuthError(
                    .unreachable,
                    "cannot listen for the browser at \(uri), the configured client's redirect URI (\(error.message)); stop what uses port \(port), or register another redirect URI"
                )
            }
        case .loopback(let preferred):
            if let preferred {
                do throws(AuthError) {
                    return try await listening(host: "127.0.0.1", port: preferred, path: "/callback", fixedURI: nil, body)
                } catch  where error.code == .unreachable {
                    // Taken by something else: any port will do, at the cost of a new registration.
                }
            }
            return try await listening(host: "127.0.0.1", port: 0, path: "/callback", fixedURI: nil, body)
        }
    }

    private func listening<Result: Sendable>(
        host: String,
        port: Int,
        path: String,
        fixedURI: String?,
        _ body: (any RedirectReceiver) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result {
        let mailbox = RedirectMailbox(timeout: timeout)
        let router = Router()
        router.get(RouterPath(path)) { request, _ -> Response in
            mailbox.deliver(query: request.uri.query ?? "")
        }
        let bound = ContinuationSlot<Int>()
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "switchboard"),
            onServerRunning: { channel in _ = bound.resume(returning: channel.localAddress?.port ?? port) },
            logger: Logger(label: "switchboard.login", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let outcome: Swift.Result<Result, AuthError> = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await application.run() } catch {
                    _ = bound.resume(throwing: AuthError(.unreachable, "cannot listen on \(host) port \(port): \(error)"))
                }
            }
            defer { group.cancelAll() }
            let actualPort: Int
            do { actualPort = try await bound.wait() } catch {
                return .failure(error as? AuthError ?? AuthError(.unreachable, "\(error)"))
            }
            do throws(AuthError) {
                let redirectURI = fixedURI ?? "http://127.0.0.1:\(actualPort)/callback"
                return .success(try await body(Receiver(redirectURI: redirectURI, mailbox: mailbox)))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    struct Receiver: RedirectReceiver {
        let redirectURI: String
        let mailbox: RedirectMailbox

        func redirect(withState state: String) async throws(AuthError) -> String {
            try await mailbox.wait(forState: state)
        }
    }
}

/// The redirects that arrived, and the sign-in waiting for the one with its state.
final class RedirectMailbox: Sendable {
    private struct State {
        var expected: String?
        var waiter: CheckedContinuation<String, any Error>?
        var received: [String] = []
        var delivered = false
    }
    private let state = Mutex(State())
    private let timeout: Duration

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Answers one browser request to `/callback`.
    func deliver(query: String) -> Response {
        let fields = FormEncoding.decode(query) ?? []
        let state = fields.first(where: { $0.name == "state" })?.value
        enum Outcome {
            case resume(CheckedContinuation<String, any Error>)
            case kept, refused
        }
        let outcome: Outcome = self.state.withLock { mailbox in
            guard !mailbox.delivered else { return .refused }
            guard let expected = mailbox.expected else {
                // Back before the sign-in started waiting (a fast browser): kept for it.
                mailbox.received.append(query)
                return .kept
            }
            guard state == expected, let waiter = mailbox.waiter else { return .refused }
            mailbox.delivered = true
            mailbox.waiter = nil
            return .resume(waiter)
        }
        switch outcome {
        case .refused:
            return Self.page(status: .badRequest, "This is not the sign-in Switchboard is waiting for. Start again from the terminal.")
        case .kept: break
        case .resume(let waiter): waiter.resume(returning: query)
        }
        let failed = fields.contains { $0.name == "error" }
        return Self.page(
            status: .ok,
            failed
                ? "The authorization server refused the sign-in. The terminal says why; you can close this tab."
                : "Switchboard received the sign-in. You can close this tab and go back to the terminal."
        )
    }

    /// The query of the redirect with `state`, one that already came or the next.
    func wait(forState expected: String) async throws(AuthError) -> String {
        do {
            return try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        let early: String? = self.state.withLock { mailbox in
                            mailbox.expected = expected
                            if let index = mailbox.received.firstIndex(where: { Self.state(of: $0) == expected }) {
                                mailbox.delivered = true
                                return mailbox.received[index]
                            }
                            mailbox.waiter = continuation
                            return nil
                        }
                        if let early { continuation.resume(returning: early) }
                    }
                }
                group.addTask { [timeout] in
                    try await Task.sleep(for: timeout)
                    throw AuthError(.authorizationDenied, "no answer from the browser within \(timeout); sign in again")
                }
                defer { group.cancelAll() }
                guard let query = try await group.next() else { preconditionFailure("the group has two tasks") }
                self.cancelWaiter()
                return query
            }
        } catch let error as AuthError {
            cancelWaiter()
            throw error
        } catch {
            cancelWaiter()
            throw AuthError(.authorizationDenied, "the sign-in was interrupted: \(error)")
        }
    }

    /// Ends a wait that lost the race with the timeout, so its task can finish.
    private func cancelWaiter() {
        let waiter = state.withLock { mailbox in
            defer { mailbox.waiter = nil }
            return mailbox.waiter
        }
        waiter?.resume(throwing: CancellationError())
    }

    private static func state(of query: String) -> String? {
        FormEncoding.decode(query)?.first(where: { $0.name == "state" })?.value
    }

    private static func page(status: HTTPResponse.Status, _ text: String) -> Response {
        let html =
            "<!doctype html><meta charset=utf-8><title>Switchboard sign-in</title><body style=\"font-family:sans-serif;margin:3em\"><p>\(text)</p>"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
