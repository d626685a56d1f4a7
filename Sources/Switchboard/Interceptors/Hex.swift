import Crypto

/// Hex text of SHA-256 digests, for pins and audit records.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func sha256(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
