import Foundation
import GRDB
import SwitchboardAudit
import TestSupport
import Testing

@Suite("Audit log: the chain in SQLite")
struct AuditLogTests {
    @Test("concurrent appends from two connections to one file make one unbroken chain, in order, all on disk")
    func concurrentAppends() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let path = folder + "/audit.sqlite"
            // Two logs on one file stand for two gateway processes sharing it.
            let first = try AuditLog(path: path)
            let second = try AuditLog(path: path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1...200 {
                    group.addTask {
                        try await (index % 2 == 0 ? first : second).append(AuditChainTests.event(index))
                    }
                }
                try await group.waitForAll()
            }
            let reopened = try AuditLog(path: path)
            guard case .intact(let count, let head) = try reopened.verify() else {
                Issue.record("the chain is broken")
                return
            }
            #expect(count == 200)
            let tail = try reopened.tail(5)
            #expect(tail.map(\.sequence) == [196, 197, 198, 199, 200])
            #expect(tail.last?.hash == head)
            #expect(Set(try reopened.tail(200).map(\.event.target)).count == 200, "every append is there once")
        }
    }

    @Test("a log written by the first schema opens in the second: its chain holds, and records with the new fields extend it")
    func upgradeFromTheFirstSchema() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let path = folder + "/audit.sqlite"
            // The file as the first release wrote it: its table, its migration row, two records.
            let old = try DatabaseQueue(path: path)
            try await old.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                        INSERT INTO grdb_migrations VALUES ('v1');
                        CREATE TABLE audit (sequence INTEGER PRIMARY KEY, time INTEGER NOT NULL, principal TEXT NOT NULL,
                            authentication TEXT NOT NULL, action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL, detail TEXT,
                            duration_us INTEGER, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
                        """
                )
                var head: (sequence: Int64, hash: String)?
                for index in 1...2 {
                    let record = AuditChain.seal(AuditChainTests.event(index), after: head)
                    try db.execute(
                        sql: "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            record.sequence, record.event.time, record.event.principal, record.event.authentication, record.event.action,
                            record.event.target, record.event.outcome.rawValue, record.event.detail, record.event.durationMicroseconds,
                            record.previousHash, record.hash,
                        ]
                    )
                    head = (record.sequence, record.hash)
                }
            }
            try old.close()
            let log = try AuditLog(path: path)
            guard case .intact(2, _) = try log.verify() else {
                Issue.record("the first schema's chain does not verify after the upgrade")
                return
            }
            var event = AuditChainTests.event(3)
            event.client = "10.1.2.3"
            event.server = "docs"
            event.argumentsSHA256 = String(repeating: "ab", count: 32)
            event.requestID = "7"
            event.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            try await log.append(event)
            guard case .intact(3, _) = try log.verify() else {
                Issue.record("the chain does not hold with the new fields")
                return
            }
            #expect(try log.tail(1).first?.event == event)
            // The new fields are sealed: changing one breaks the chain at its record.
            let tamper = try DatabaseQueue(path: path)
            try await tamper.write { db in try db.execute(sql: "UPDATE audit SET client = '10.9.9.9' WHERE sequence = 3") }
            guard case .broken(3, _) = try log.verify() else {
                Issue.record("a changed client address went unnoticed")
                return
            }
        }
    }

    @Test("a row changed or deleted behind the log's back is found by verify")
    func tampering() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let path = folder + "/audit.sqlite"
            let log = try AuditLog(path: path)
            for index in 1...5 { try await log.append(AuditChainTests.event(index)) }
            let database = try DatabaseQueue(path: path)
            try await database.write { db in try db.execute(sql: "UPDATE audit SET outcome = 'ok' WHERE sequence = 3") }
            #expect(try log.verify() == .broken(sequence: 3, reason: "its hash does not match its contents: the record was changed"))
            try await database.write { db in try db.execute(sql: "DELETE FROM audit WHERE sequence = 3") }
            guard case .broken(let sequence, let reason) = try log.verify() else {
                Issue.record("a deleted row went unnoticed")
                return
            }
            #expect(sequence == 4 && reason.contains("removed"))
        }
    }

    @Test("a folder that cannot hold the file is a typed error naming it")
    func unusable() throws {
        let error = #expect(throws: AuditLogError.self) { try AuditLog(path: "/proc/switchboard-no-such/audit.sqlite") }
        #expect(error?.description.contains("/proc/switchboard-no-such/audit.sqlite") == true)
    }
}
