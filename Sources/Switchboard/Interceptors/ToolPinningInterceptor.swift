import Crypto
public import JSONCore
public import MCPClient
public import MCPWire
public import SwitchboardConfiguration
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Defends against a server that changes a tool after it was approved (a "rug pull").
///
/// On first sight, each tool's name, description, input schema and annotations are hashed
/// and pinned (in memory, and in ``file`` when set). If a later `tools/list` shows a pinned
/// tool changed, calls to it are blocked with ``MCPError/Code/toolChanged`` — or only
/// reported, in ``Mode/warn`` — until ``approve(server:tool:)`` accepts the new definition.
///
/// It fails closed: a pin file that exists but cannot be read, or is not a JSON object of
/// hashes, holds approvals that would otherwise be silently lost. Every call is then refused
/// with ``MCPError/Code/pinsUnavailable`` naming the file and the fix, and the file is never
/// written, in every mode. A pin file that does not exist yet is simply empty.
public final class ToolPinningInterceptor: ObservingInterceptor {
    public enum Mode: String, Sendable { case block, warn }

    public let name = "pinning"
    public let mode: Mode
    /// A JSON file of pins (`{"server\u{0}tool": "sha256"}` as `{"server/tool": "..."}`), kept across runs.
    public let file: String?
    private let pins: Mutex<[String: String]>
    /// Tools seen changed, with their new hash, awaiting approval.
    private let changed = Mutex<[String: String]>([:])
    /// Why the pin file cannot be used, once found out: then every call is refused and the
    /// file is left as it is.
    private let unusable = Mutex<ConfigError?>(nil)

    public init(mode: Mode = .block, file: String? = nil) {
        self.mode = mode
        self.file = file
        var loaded: [String: String] = [:]
        var problem: ConfigError?
        if let file {
            switch Self.readPins(file) {
            case .success(let pins): loaded = pins
            case .failure(let error): problem = error
            }
        }
        self.pins = Mutex(loaded)
        self.unusable.withLock { $0 = problem }
    }

    /// The pins in `file`: none if it does not exist; a failure if it exists but cannot be
    /// read or is not a JSON object of hashes.
    static func readPins(_ file: String) -> Result<[String: String], ConfigError> {
        let text: String
        do { text = try TextFile.read(file) } catch {
            if error.isMissing { return .success([:]) }
            return .failure(ConfigError(file: file, message: "the pin file cannot be read (\(error.reason))"))
        }
        guard case .object(let object)? = try? JSONValue(parsing: text) else {
            return .failure(ConfigError(file: file, message: "the pin file is not a JSON object of pins (it may be truncated or edited by hand)"))
        }
        var pins: [String: String] = [:]
        for (key, value) in object {
            guard let hash = value.stringValue else {
                return .failure(ConfigError(file: file, message: "the pin for \"\(key)\" in the pin file is not a hash string"))
            }
            pins[key] = hash
        }
        return .success(pins)
    }

    /// Why the pin file cannot be used, if it cannot: calls are refused until it is fixed.
    public var fileProblem: ConfigError? { unusable.withLock { $0 } }

    /// The error every call gets while the pin file is unusable: what is wrong, and the fix.
    private func refusal(_ problem: ConfigError) -> MCPError {
        MCPError(
            .pinsUnavailable,
            "\(problem.file): \(problem.message); calls are refused so that the approvals it holds are not lost. "
                + "Restore or repair the file (it maps \"server/tool\" to a SHA-256 hash), or remove it to pin every tool afresh on next use."
        )
    }

    /// The hash a tool definition pins.
    public static func fingerprint(_ tool: Tool) -> String {
        var pinned = JSONObject()
        pinned["name"] = .string(tool.name)
        pinned["description"] = tool.description.map(JSONValue.string) ?? .null
        pinned["inputSchema"] = .object(tool.inputSchema)
        pinned["annotations"] = tool.annotations.map { .object($0.json) } ?? .null
        return Hex.sha256(JSONValue.object(pinned).serialized(options: .canonical))
    }

    static func key(_ server: String, _ tool: String) -> String { server + "/" + tool }

    /// Tools seen changed since they were pinned, as `server/tool`.
    public var pendingApprovals: [String] { changed.withLock { Array($0.keys).sorted() } }

    /// Accepts the current definition of a changed tool.
    public func approve(server: String, tool: String) {
        guard fileProblem == nil else { return }
        let key = Self.key(server, tool)
        guard let hash = changed.withLock({ $0.removeValue(forKey: key) }) else { return }
        pins.withLock { $0[key] = hash }
        save(changing: [key])
    }

    /// How a tool's definition compares with its pin.
    public enum PinState: String, Sendable, Hashable {
        /// The definition is the one pinned.
        case approved
        /// The definition differs from the one pinned: calls are blocked (or warned about).
        case changed
        /// Never seen: it will be pinned when first listed.
        case unpinned
    }

    /// How `tool` on `server` compares with its pin.
    public func state(of tool: Tool, server: String) -> PinState {
        guard let pinned = pins.withLock({ $0[Self.key(server, tool.name)] }) else { return .unpinned }
        return pinned == Self.fingerprint(tool) ? .approved : .changed
    }

    /// Pins `tool`'s current definition on `server` (approving it if it had changed) and
    /// saves the pin file. Throws if the file cannot be written.
    public func approve(_ tool: Tool, server: String) throws(ConfigError) {
        if let problem = fileProblem { throw problem }
        let key = Self.key(server, tool.name)
        let hash = Self.fingerprint(tool)
        changed.withLock { _ = $0.removeValue(forKey: key) }
        pins.withLock { $0[key] = hash }
        if let failure = save(changing: [key]) { throw failure }
    }

    public func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        if let problem = fileProblem, request.method == Method.toolsCall || request.method == Method.toolsList {
            context.note(name, "blocked: the pin file is unusable")
            throw refusal(problem)
        }
        if request.method == Method.toolsCall, let tool = context.tool {
            let key = Self.key(context.server, tool.name)
            let current = Self.fingerprint(tool)
            if let pinned = pins.withLock({ $0[key] }), pinned != current {
                changed.withLock { $0[key] = current }
                let message =
                    "tool '\(tool.name)' on \(context.server) changed since it was approved (its description, schema or annotations differ); review and approve it before calling it"
                if mode == .block {
                    context.note(name, "blocked: definition changed")
                    throw MCPError(.toolChanged, message)
                }
                context.note(name, "warning: definition changed")
            }
        }
        return ObservationMark()
    }

    public func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
        if request.method == Method.toolsList, case .success(let result) = outcome, let listing = try? ListToolsResult(json: result) {
            pin(listing.tools, server: context.server, note: { context.note(self.name, $0) })
        }
    }

    private func pin(_ tools: [Tool], server: String, note: (String) -> Void) {
        var added: [String] = []
        for tool in tools {
            let key = Self.key(server, tool.name)
            let current = Self.fingerprint(tool)
            let known = pins.withLock { pins -> String? in
                if let pinned = pins[key] { return pinned }
                pins[key] = current
                added.append(key)
                return nil
            }
            if let known, known != current {
                changed.withLock { $0[key] = current }
                note("\(tool.name) changed since it was pinned")
            }
        }
        if !added.isEmpty, let failure = save(changing: added) {
            note("pins not saved: \(failure.message)")
        }
    }

    /// Writes the pins in `keys` to the file, keeping what other processes wrote there since
    /// it was read: the file is re-read and merged under an exclusive lock, then replaced
    /// atomically. Returns the failure, if any.
    @discardableResult
    private func save(changing keys: [String]) -> ConfigError? {
        guard let file else { return nil }
        if let problem = fileProblem { return problem }
        let lock = open(file + ".lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { return ConfigError(file: file, message: "cannot lock the pin file: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        // What is there now, read under the lock. If it became unusable since, it is left
        // alone and calls stop: overwriting it would drop the approvals it holds.
        var merged: [String: String]
        switch Self.readPins(file) {
        case .success(let current): merged = current
        case .failure(let problem):
            unusable.withLock { $0 = problem }
            return problem
        }
        let ours = pins.withLock { $0 }
        for key in keys { merged[key] = ours[key] }
        // What others pinned becomes ours too, so a later save does not drop it.
        pins.withLock { pins in for (key, hash) in merged where pins[key] == nil { pins[key] = hash } }
        var object = JSONObject()
        for (key, hash) in merged.sorted(by: { $0.key < $1.key }) { object[key] = .string(hash) }
        let text = JSONValue.object(object).serializedString(options: .prettyPrinted) + "\n"
        do { try TextFile.write(text, to: file) } catch {
            return ConfigError(file: file, message: "cannot write the pin file: \(error.reason)")
        }
        return nil
    }
}
