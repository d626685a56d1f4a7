import JSONCore
import MCPClient
import MCPWire
import Synchronization
import Testing

/// The chain's order, with observing and wrapping interceptors mixed, as values: no session,
/// no transport. An observer must see exactly what it would see if it wrapped the rest.
@Suite("Interceptor chain")
struct InterceptorChainTests {
    final class Log: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct Observer: ObservingInterceptor {
        let name: String
        let log: Log
        var refuses = false
        var skips = false

        func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool { !skips }

        func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
            log.add("\(name) will send \(request.params.string("tag") ?? "-")")
            if refuses { throw MCPError(.circuitOpen, "\(name) refused") }
            return ObservationMark(timed: true, flag: name.hasSuffix("!"))
        }

        func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
            let seen: String
            switch outcome {
            case .success(let result): seen = "ok \(result.string("answer") ?? "?")"
            case .failure(let error): seen = "failed \(error.code)"
            }
            log.add("\(name) finished: \(seen)\(mark.flag ? " (flagged)" : "")\(mark.elapsed >= .zero ? "" : " (negative time)")")
        }
    }

    /// Changes the request on its way in (so the observers after it see the change) and the
    /// answer on its way out (so the observers before it see that).
    struct Wrapper: RequestInterceptor {
        let name: String
        let log: Log

        func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext) async throws(MCPError) -> JSONObject {
            log.add("\(name) before")
            var changed = request
            changed.params["tag"] = .string(name)
            do {
                var result = try await next(changed, context)
                result["answer"] = .string((result.string("answer") ?? "") + "+\(name)")
                log.add("\(name) after")
                return result
            } catch {
                log.add("\(name) saw \(error.code)")
                throw error
            }
        }
    }

    /// Sends the rest again after a failed attempt, up to `attempts` in all.
    struct Repeater: RepeatingInterceptor {
        let name: String
        let log: Log
        let attempts: Int

        func willSendFirstAttempt(_ request: InterceptedRequest, context: InterceptorContext) {
            log.add("\(name) first attempt")
        }

        func nextAttempt(
            _ request: InterceptedRequest,
            context: InterceptorContext,
            after failure: MCPError
        ) async throws(MCPError)
            -> InterceptorContext
        {
            guard context.attempt < attempts else {
                log.add("\(name) gives up after \(context.attempt)")
                throw failure
            }
            log.add("\(name) repeats after \(context.attempt)")
            var next = context
            next.attempt += 1
            return next
        }
    }

    /// `failFirst`: how many attempts fail before the server answers.
    func run(_ interceptors: [any RequestInterceptor], log: Log, failing: Bool = false, failFirst: Int = 0) async -> Result<JSONObject, MCPError> {
        let chain = InterceptorChain(interceptors) { request, context throws(MCPError) in
            log.add("server got \(request.params.string("tag") ?? "-")")
            if failing || context.attempt <= failFirst { throw MCPError(.serverError, "the server failed") }
            return ["answer": "server"]
        }
        let context = InterceptorContext(server: "s", method: Method.toolsCall, toolName: "t", deadline: .now + .seconds(60))
        do {
            return .success(try await chain.run(InterceptedRequest(method: Method.toolsCall, params: ["name": "t"], options: .default), context))
        } catch {
            return .failure(error)
        }
    }

    @Test("observers and wrappers run in order; each observer is told, innermost first, what the rest produced")
    func order() async throws {
        let log = Log()
        let result = await run(
            [
                Observer(name: "metrics", log: log),
                Wrapper(name: "retry", log: log),
                Observer(name: "breaker!", log: log),
                Observer(name: "audit", log: log),
            ],
            log: log
        )
        #expect(try result.get().string("answer") == "server+retry")
        #expect(
            log.all == [
                "metrics will send -",
                "retry before",
                "breaker! will send retry",
                "audit will send retry",
                "server got retry",
                "audit finished: ok server",
                "breaker! finished: ok server (flagged)",
                "retry after",
                "metrics finished: ok server+retry",
            ]
        )
    }

    @Test("a refusing observer stops the call: the rest never runs, and the observers before it see the refusal")
    func refusal() async {
        let log = Log()
        let result = await run(
            [
                Observer(name: "metrics", log: log),
                Observer(name: "audit", log: log),
                Observer(name: "breaker", log: log, refuses: true),
                Wrapper(name: "retry", log: log),
                Observer(name: "inner", log: log),
            ],
            log: log
        )
        guard case .failure(let error) = result else {
            Issue.record("the call went through a refusing observer")
            return
        }
        #expect(error.code == .circuitOpen)
        #expect(
            log.all == [
                "metrics will send -",
                "audit will send -",
                "breaker will send -",
                "audit finished: failed \(MCPError.Code.circuitOpen)",
                "metrics finished: failed \(MCPError.Code.circuitOpen)",
            ]
        )
    }

    @Test("a failure reaches every observer and wrapper on its way out; an observer that does not handle the call is skipped")
    func failure() async {
        let log = Log()
        let result = await run(
            [
                Observer(name: "metrics", log: log),
                Observer(name: "skipped", log: log, skips: true),
                Wrapper(name: "retry", log: log),
                Observer(name: "breaker", log: log),
            ],
            log: log,
            failing: true
        )
        guard case .failure(let error) = result else {
            Issue.record("a failing server's call succeeded")
            return
        }
        #expect(error.code == .serverError)
        #expect(
            log.all == [
                "metrics will send -",
                "retry before",
                "breaker will send retry",
                "server got retry",
                "breaker finished: failed \(MCPError.Code.serverError)",
                "retry saw \(MCPError.Code.serverError)",
                "metrics finished: failed \(MCPError.Code.serverError)",
            ]
        )
    }

    @Test("a repeating interceptor sends the rest again after a failed attempt: observers inside it see each attempt, those outside the call once")
    func repeats() async throws {
        let log = Log()
        let result = await run(
            [Observer(name: "metrics", log: log), Repeater(name: "retry", log: log, attempts: 3), Observer(name: "breaker", log: log)],
            log: log,
            failFirst: 2
        )
        #expect(try result.get().string("answer") == "server")
        let failed = "breaker finished: failed \(MCPError.Code.serverError)"
        #expect(
            log.all == [
                "metrics will send -", "retry first attempt",
                "breaker will send -", "server got -", failed, "retry repeats after 1",
                "breaker will send -", "server got -", failed, "retry repeats after 2",
                "breaker will send -", "server got -", "breaker finished: ok server",
                "metrics finished: ok server",
            ]
        )
    }

    @Test("a repeating interceptor that gives up lets the last failure through to the observers outside it")
    func repeatsThenGivesUp() async {
        let log = Log()
        let result = await run([Observer(name: "metrics", log: log), Repeater(name: "retry", log: log, attempts: 2)], log: log, failing: true)
        guard case .failure(let error) = result else {
            Issue.record("a call to a server that always fails succeeded")
            return
        }
        #expect(error.code == .serverError)
        #expect(
            log.all == [
                "metrics will send -", "retry first attempt", "server got -", "retry repeats after 1", "server got -", "retry gives up after 2",
                "metrics finished: failed \(MCPError.Code.serverError)",
            ]
        )
    }
}
