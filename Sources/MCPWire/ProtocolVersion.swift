/// How a revision carries its version and capabilities.
public enum ProtocolEra: String, Sendable, Hashable, CustomStringConvertible {
    /// Stateless: every request carries version, capabilities and identity in `_meta`
    /// (2026-07-28 and later).
    case modern
    /// Handshake: an `initialize` exchange fixes them for the connection (2025-11-25 and earlier).
    case legacy

    public var description: String { rawValue }
}

/// An MCP protocol revision, named by its date.
///
/// Unknown revisions are representable, so that a newer peer's version can be shown and
/// compared; ``isKnown`` says whether this library can speak it.
public struct ProtocolVersion: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let v2024_11_05: ProtocolVersion = "2024-11-05"
    public static let v2025_03_26: ProtocolVersion = "2025-03-26"
    public static let v2025_06_18: ProtocolVersion = "2025-06-18"
    public static let v2025_11_25: ProtocolVersion = "2025-11-25"
    public static let v2026_07_28: ProtocolVersion = "2026-07-28"

    /// The newest revision this library speaks.
    public static let latest = v2026_07_28

    /// Every revision this library speaks, newest first.
    public static let supported: [ProtocolVersion] = [v2026_07_28, v2025_11_25, v2025_06_18, v2025_03_26, v2024_11_05]

    /// The revisions that use the `initialize` handshake, newest first.
    public static let legacyVersions: [ProtocolVersion] = supported.filter { $0.era == .legacy }
    /// The stateless revisions, newest first.
    public static let modernVersions: [ProtocolVersion] = supported.filter { $0.era == .modern }

    /// Whether this library speaks this revision.
    public var isKnown: Bool { Self.supported.contains(self) }

    /// The era of this revision. Revisions are dates, so any date from 2026-07-28 on is modern.
    public var era: ProtocolEra { self >= Self.v2026_07_28 ? .modern : .legacy }

    /// Whether HTTP requests carry the `MCP-Protocol-Version` header (2025-06-18 on).
    public var usesProtocolVersionHeader: Bool { self >= Self.v2025_06_18 }

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}
