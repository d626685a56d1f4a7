import Crypto
import JSONCore

/// The hash chain that makes the audit log tamper-evident, as pure functions.
///
/// Each record's hash covers its sequence number, the previous record's hash and its event
/// (as compact JSON with members in a fixed order). Changing, removing, inserting or
/// reordering any record breaks every hash from there on; ``verify(_:)`` finds the first.
/// Removing records from the end leaves a shorter chain that still verifies: keep the head
/// hash elsewhere (`audit verify --expect-head`) to detect that too.
public enum AuditChain {
    /// The previous hash of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256, in hex, of `sequence`, `previous` and `event`.
    public static func hash(sequence: Int64, previous: String, event: AuditEvent) -> String {
        var bytes = Array("\(sequence)\n\(previous)\n".utf8)
        JSONValue.object(event.json).write(into: &bytes)
        return sha256Hex(bytes)
    }

    /// SHA-256 of `bytes`, in lower-case hex.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    /// The record `event` becomes after `previous` (nil: it is the first).
    public static func seal(_ event: AuditEvent, after previous: (sequence: Int64, hash: String)?) -> AuditRecord {
        let sequence = (previous?.sequence ?? 0) + 1
        let previousHash = previous?.hash ?? genesis
        return AuditRecord(
            sequence: sequence,
            event: event,
            previousHash: previousHash,
            hash: hash(sequence: sequence, previous: previousHash, event: event)
        )
    }

    /// What ``verify(_:)`` found.
    public enum Verdict: Sendable, Hashable {
        /// Every record links to the one before; `head` is the last hash (the genesis for none).
        case intact(count: Int64, head: String)
        /// The first record that does not hold, and why.
        case broken(sequence: Int64, reason: String)
    }

    /// Checks `records`, in order from the first, one at a time (a log need not fit in memory).
    public struct Verifier: Sendable {
        var expected: (sequence: Int64, hash: String) = (1, AuditChain.genesis)
        var count: Int64 = 0
        public private(set) var failure: (sequence: Int64, reason: String)?

        public init() {}

        /// Checks the next record; false once any record has failed.
        @discardableResult
        public mutating func check(_ record: AuditRecord) -> Bool {
            guard failure == nil else { return false }
            if record.sequence != expected.sequence {
                failure = (
                    record.sequence,
                    "expected record \(expected.sequence) here, found \(record.sequence): records were removed, inserted or reordered"
                )
            } else if record.previousHash != expected.hash {
                failure = (
                    record.sequence, "its previous hash is not the hash of record \(record.sequence - 1): a record before it was changed or removed"
                )
            } else if record.hash != AuditChain.hash(sequence: record.sequence, previous: record.previousHash, event: record.event) {
                failure = (record.sequence, "its hash does not match its contents: the record was changed")
            }
            guard failure == nil else { return false }
            expected = (record.sequence + 1, record.hash)
            count += 1
            return true
        }

        public var verdict: Verdict {
            if let failure { return .broken(sequence: failure.sequence, reason: failure.reason) }
            return .intact(count: count, head: expected.hash)
        }
    }

    /// Checks a whole sequence of records.
    public static func verify(_ records: some Sequence<AuditRecord>) -> Verdict {
        var verifier = Verifier()
        for record in records where !verifier.check(record) { break }
        return verifier.verdict
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}
