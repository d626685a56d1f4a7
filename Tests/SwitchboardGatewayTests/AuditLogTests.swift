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
