/// JSON-RPC and MCP error codes, as plain integers because peers may send any integer.
public enum ErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603

    /// Resource not found in 2025-11-25 and earlier (2026-07-28 uses ``invalidParams``).
    public static let legacyResourceNotFound = -32002
    /// URL elicitation required (2025-11-25 only).
    public static let urlElicitationRequired = -32042

    /// HTTP headers do not match the body (2026-07-28).
    public static let headerMismatch = -32020
    /// The request needs a client capability that was not declared (2026-07-28).
    public static let missingRequiredClientCapability = -32021
    /// The requested protocol version is not served; `data.supported` lists what is (2026-07-28).
    public static let unsupportedProtocolVersion = -32022

    /// Codes that only a modern (2026-07-28 or later) server sends. Receiving one of them
    /// identifies the server as modern during era detection.
    public static let modernCodes: Set<Int> = [headerMismatch, missingRequiredClientCapability, unsupportedProtocolVersion]
}
