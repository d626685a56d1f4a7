import SwitchboardAudit
import Testing

@Suite("Audit chain: every change to the log shows")
struct AuditChainTests {
    static func event(_ index: Int, principal: String = "alice") -> AuditEvent {
        AuditEvent(
            time: 1_796_000_000_000 + Int64(index),
            principal: principal,
            authentication: "api-key",
            action: "tools/call",
            target: "docs__tool\(index)",
            outcome: index % 3 == 0 ? .toolError : .ok,
            detail: index % 3 == 0 ? "failed \(index)" : nil,
            durationMicroseconds: Int64(100 + index)
        )
    }

    static func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        for index in 1...count {
            records.append(AuditChain.seal(event(index), after: records.last.map { ($0.sequence, $0.hash) }))
        }
        return records
    }

    @Test("a sealed chain verifies, numbered from 1, each record naming the hash before it")
    func intact() {
        let records = Self.chain(10)
        #expect(records.map(\.sequence) == Array(1...10))
        #expect(records[0].previousHash == AuditChain.genesis)
        for index in 1..<10 { #expect(records[index].previousHash == records[index - 1].hash) }
        #expect(AuditChain.verify(records) == .intact(count: 10, head: records[9].hash))
        #expect(AuditChain.verify([]) == .intact(count: 0, head: AuditChain.genesis))
        // The hash is a function of the contents: the same event sealed again is the same record.
        #expect(AuditChain.seal(Self.event(1), after: nil) == records[0])
    }

    @Test("changing any field of any record breaks the chain at that record", arguments: 0..<8)
    func changed(field: Int) {
        var records = Self.chain(6)
        var event = records[3].event
        switch field {
        case 0: event.time += 1
        case 1: event.principal = "mallory"
        case 2: event.authentication = "anonymous"
        case 3: event.action = "resources/read"
        case 4: event.target = nil
        case 5: event.outcome = .denied
        case 6: event.detail = "covered up"
        default: event.durationMicroseconds = nil
        }
        records[3].event = event
        guard case .broken(let sequence, let reason) = AuditChain.verify(records) else {
            Issue.record("a changed record verified")
            return
        }
        #expect(sequence == 4)
        #expect(reason.contains("changed"))
    }

    @Test("a record removed, inserted or moved breaks the chain where it happened; one re-hashed breaks the next")
    func structure() {
        let records = Self.chain(6)
        var removed = records
        removed.remove(at: 2)
        guard case .broken(let gap, let why) = AuditChain.verify(removed) else {
            Issue.record("a removed record went unnoticed")
            return
        }
        #expect(gap == 4 && why.contains("removed"))
        var swapped = records
        swapped.swapAt(1, 2)
        guard case .broken(let at, _) = AuditChain.verify(swapped) else {
            Issue.record("reordered records verified")
            return
        }
        #expect(at == 3)
        // A forger who re-seals a changed record still breaks the link to the one after.
        var forged = records
        forged[2] = AuditChain.seal(Self.event(3, principal: "mallory"), after: (forged[1].sequence, forged[1].hash))
        guard case .broken(let next, let reason) = AuditChain.verify(forged) else {
            Issue.record("a re-sealed record verified")
            return
        }
        #expect(next == 4 && reason.contains("previous hash"))
        // Cutting the end leaves a chain that holds: only a head kept elsewhere tells (audit verify --expect-head).
        #expect(AuditChain.verify(records.prefix(4)) == .intact(count: 4, head: records[3].hash))
    }
}
