import JSONCore
public import Logging
import MCPServer
import MCPWire
public import SwitchboardAudit
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the gateway writes to its audit log, and what it does when the log cannot be written.
///
/// Every call, read and prompt (with its outcome) and every refused credential is recorded
/// once it is answered. Calls fail closed: after a write fails, the next call first writes an
/// `audit/resumed` marker of the gap; if that works, the call goes ahead, otherwise it is
/// refused with an error saying why. A record that could not be written goes to the error log
/// (stderr) in full, so that none is lost.
public final class AuditTrail: Sendable {
    public let log: AuditLog
    let logger: Logger
    let writable = Atomic<Bool>(true)
    let metrics: GatewayMetrics?

    public init(log: AuditLog, logger: Logger, metrics: GatewayMetrics? = nil) {
        self.log = log
        self.logger = logger
        self.metrics = metrics
    }

    static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Appends `event`; false (and the event on stderr) when it cannot be written.
    @discardableResult
    func record(_ event: AuditEvent) async -> Bool {
        do throws(AuditLogError) {
            try await log.append(event)
            writable.store(true, ordering: .relaxed)
            metrics?.auditWritten(true)
            return true
        } catch {
            writable.store(false, ordering: .relaxed)
            metrics?.auditWritten(false)
            logger.error("audit record not written: \(error.description); the record: \(JSONValue.object(event.json).serializedString())")
            return false
        }
    }

    /// Runs a call and records it; refuses it when the log cannot be written.
    func audited<Result: Sendable>(
        _ action: String,
        _ target: String,
        _ facts: RequestFacts,
        outcome: (Result) -> AuditEvent.Outcome = { _ in .ok },
        _ body: () async throws -> Result
    ) async throws -> Result {
        func event(_ outcome: AuditEvent.Outcome, _ detail: String?, _ started: ContinuousClock.Instant?) -> AuditEvent {
            let duration = started.map { ContinuousClock.now - $0 }
            var event = Self.event(action, target, facts, outcome, detail)
            event.durationMicroseconds = duration.map { $0.components.seconds * 1_000_000 + $0.components.attoseconds / 1_000_000_000_000 }
            return event
        }
        if !writable.load(ordering: .relaxed) {
            // After a failed write, a marker of the gap goes first; the call runs only once it is written.
            let resumed = AuditEvent(
                time: Self.now(),
                principal: "-",
                authentication: "-",
                action: "audit/resumed",
                outcome: .ok,
                detail: "the log could not be written for a while; the records missed are in the gateway's error log"
            )
            do throws(AuditLogError) {
                try await log.append(resumed)
                writable.store(true, ordering: .relaxed)
            } catch {
                let refused = event(.refused, "the audit log cannot be written: \(error.description)", nil)
                logger.error("audit record not written: \(error.description); the record: \(JSONValue.object(refused.json).serializedString())")
                throw ServerError(
                    code: ErrorCode.internalError,
                    message: "the gateway's audit log (\(log.path)) cannot be written, so calls are refused until it can",
                    data: ["reason": "auditUnavailable"]
                )
            }
        }
        let started = ContinuousClock.now
        do {
            let result = try await body()
            await record(event(outcome(result), nil, started))
            return result
        } catch let error as ServerError {
            await record(event(.error, error.error.message, started))
            throw error
        } catch {
            await record(event(.error, "\(error)", started))
            throw error
        }
    }

    static func event(_ action: String, _ target: String?, _ facts: RequestFacts, _ outcome: AuditEvent.Outcome, _ detail: String?) -> AuditEvent {
        AuditEvent(
            time: now(),
            principal: facts.principal.name,
            authentication: facts.principal.method.rawValue,
            action: action,
            target: target,
            outcome: outcome,
            detail: detail,
            client: facts.caller.client,
            server: facts.server,
            argumentsSHA256: facts.argumentsSHA256,
            requestID: facts.requestID,
            traceID: facts.caller.traceID
        )
    }

    /// Records a request for something the caller may not use (or that does not exist).
    func denied(_ action: String, _ target: String?, _ facts: RequestFacts, _ detail: String) async {
        await record(Self.event(action, target, facts, .denied, detail))
    }

    /// Records a request refused for want of a valid credential.
    func unauthenticated(_ reason: String, client: String?, traceID: String?) async {
        await record(
            AuditEvent(
                time: Self.now(),
                principal: "-",
                authentication: "-",
                action: "authenticate",
                outcome: .unauthenticated,
                detail: reason,
                client: client,
                traceID: traceID
            )
        )
    }
}
