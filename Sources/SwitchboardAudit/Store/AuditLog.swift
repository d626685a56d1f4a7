import GRDB
import Synchronization

/// Why the audit log cannot be used.
public struct AuditLogError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }

    init(_ description: String) {
        self.description = description
    }

    init(_ what: String, _ error: any Error) {
        description = "\(what): \(error)"
    }
}

/// The gateway's tamper-evident audit log: an SQLite file (WAL) holding the hash chain of
/// ``AuditChain``, one row per record, appended in order.
///
/// Appending reads the head inside the write transaction, so that several processes sharing
/// one file still make one chain. A record is on disk (the transaction committed) when
/// ``append(_:)`` returns.
public final class AuditLog: Sendable {
    public let path: String
    let database: DatabasePool

    /// Opens (creating when missing) the log at `path`; its folder must exist.
    public init(path: String) throws(AuditLogError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "switchboard.audit"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Durable across a process crash at every commit; an OS crash may lose the last
            // transactions, never corrupt the chain.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE audit (
                            sequence INTEGER PRIMARY KEY,
                            time INTEGER NOT NULL,
                            principal TEXT NOT NULL,
                            authentication TEXT NOT NULL,
                            action TEXT NOT NULL,
                            target TEXT,
                            outcome TEXT NOT NULL,
                            detail TEXT,
                            duration_us INTEGER,
                            previous_hash TEXT NOT NULL,
                            hash TEXT NOT NULL
                        )
                        """
                )
            }
            migrator.registerMigration("v2: where a request came from and what it carried") { db in
                for column in ["client", "server", "arguments_sha256", "request_id", "trace_id"] {
                    try db.execute(sql: "ALTER TABLE audit ADD COLUMN \(column) TEXT")
                }
            }
            try migrator.migrate(database)
        } catch {
            throw AuditLogError("cannot open the audit log \(path)", error)
        }
    }

    /// Seals `event` after the current head and stores it.
    @discardableResult
    public func append(_ event: AuditEvent) async throws(AuditLogError) -> AuditRecord {
        do {
            return try await database.write { db in
                let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1")
                    .map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
                let record = AuditChain.seal(event, after: head)
                try db.execute(
                    sql: """
                        INSERT INTO audit (sequence, time, principal, authentication, action, target, outcome, detail, duration_us,
                                           client, server, arguments_sha256, request_id, trace_id, previous_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.sequence, event.time, event.principal, event.authentication, event.action, event.target, event.outcome.rawValue,
                        event.detail, event.durationMicroseconds, event.client, event.server, event.argumentsSHA256, event.requestID,
                        event.traceID, record.previousHash, record.hash,
                    ]
                )
                return record
            }
        } catch {
            throw AuditLogError("cannot write to the audit log \(path)", error)
        }
    }

    /// The last `count` records, oldest first.
    public func tail(_ count: Int) throws(AuditLogError) -> [AuditRecord] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY sequence DESC LIMIT ?", arguments: [count]).reversed().map(Self.record)
            }
        } catch {
            throw AuditLogError("cannot read the audit log \(path)", error)
        }
    }

    /// Checks the whole chain, reading it in order a page at a time.
    public func verify() throws(AuditLogError) -> AuditChain.Verdict {
        do {
            return try database.read { db in
                var verifier = AuditChain.Verifier()
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY sequence")
                while let row = try cursor.next() {
                    guard verifier.check(Self.record(row)) else { break }
                }
                return verifier.verdict
            }
        } catch {
            throw AuditLogError("cannot read the audit log \(path)", error)
        }
    }

    static func record(_ row: Row) -> AuditRecord {
        let outcome = AuditEvent.Outcome(rawValue: row["outcome"] as String) ?? .error
        let event = AuditEvent(
            time: row["time"],
            principal: row["principal"],
            authentication: row["authentication"],
            action: row["action"],
            target: row["target"],
            outcome: outcome,
            detail: row["detail"],
            durationMicroseconds: row["duration_us"],
            client: row["client"],
            server: row["server"],
            argumentsSHA256: row["arguments_sha256"],
            requestID: row["request_id"],
            traceID: row["trace_id"]
        )
        return AuditRecord(sequence: row["sequence"], event: event, previousHash: row["previous_hash"], hash: row["hash"])
    }
}
