import JSONCore
import JSONSchema
import MCPTransport
import SwitchboardConfiguration

/// What the fuzzers exercise: each reader of untrusted input, with a property it must keep
/// beyond "does not crash". A violated property stops the run (a `precondition`), so libFuzzer
/// saves the input that broke it.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// The JSON reader: what parses, serializes and parses back to the same value.
    case json
    /// The SSE parser: the same events whether the bytes arrive whole or split anywhere.
    case sse
    /// The stdio line framer: the same frames whether the bytes arrive whole or in chunks.
    case lines
    /// The JSON Schema compiler and validator: any schema compiles or is refused, and
    /// validating anything against it ends (within its limits).
    case schema
    /// The configuration reader: any file is read or refused with diagnostics.
    case config

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .json: Self.json(input)
        case .sse: Self.sse(input)
        case .lines: Self.lines(input)
        case .schema: Self.schema(input)
        case .config: Self.config(input)
        }
    }

    static func json(_ input: UnsafeBufferPointer<UInt8>) {
        guard let value = try? JSONValue(parsing: input) else { return }
        let written = value.serialized()
        guard let again = try? JSONValue(parsing: written) else {
            preconditionFailure("serialized JSON does not parse: \(String(decoding: written, as: UTF8.self))")
        }
        precondition(value.semanticallyEquals(again), "a JSON value changed across a round trip")
        let canonical = value.serialized(options: .canonical)
        precondition((try? JSONValue(parsing: canonical))?.serialized(options: .canonical) == canonical, "canonical form is not stable")
    }

    static func sse(_ input: UnsafeBufferPointer<UInt8>) {
        guard let first = input.first else { return }
        let bytes = Array(input.dropFirst())
        var whole = SSEParser(maximumLineBytes: 4096)
        let expected = whole.feed(bytes)
        var split = SSEParser(maximumLineBytes: 4096)
        let cut = Int(first) % (bytes.count + 1)
        let events = split.feed(bytes[..<cut]) + split.feed(bytes[cut...])
        precondition(events == expected, "splitting the stream at \(cut) changed its events")
        precondition(split.lastEventID == whole.lastEventID && split.reconnectionDelay == whole.reconnectionDelay)
    }

    static func lines(_ input: UnsafeBufferPointer<UInt8>) {
        guard let first = input.first else { return }
        let bytes = UnsafeBufferPointer(rebasing: input.dropFirst())
        func frames(chunk: Int) -> (lines: [[UInt8]], tooLarge: Int) {
            var framer = LineFramer(maximumFrameBytes: 256)
            var lines: [[UInt8]] = []
            var tooLarge = 0
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                framer.consume(UnsafeBufferPointer(rebasing: bytes[start..<end])) { frame in
                    switch frame {
                    case .line(let line):
                        precondition(!line.isEmpty && line.count <= 256 && !line.contains(UInt8(ascii: "\n")))
                        lines.append(Array(line))
                    case .tooLarge: tooLarge += 1
                    }
                }
                start = end
            }
            return (lines, tooLarge)
        }
        let whole = frames(chunk: max(1, bytes.count))
        let chunked = frames(chunk: Int(first % 16) + 1)
        precondition(whole.lines == chunked.lines, "chunking changed the frames")
        precondition(whole.tooLarge == chunked.tooLarge, "chunking changed how many frames were too large")
    }

    static func schema(_ input: UnsafeBufferPointer<UInt8>) {
        guard let value = try? JSONValue(parsing: input), let validator = try? SchemaValidator(schema: value) else { return }
        for instance: JSONValue in [value, .null, 0, 1.5, "", "x", [], [.null, 1], [:], ["a": 1]] {
            _ = validator.validate(instance)
        }
    }

    static func config(_ input: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: input, as: UTF8.self)
        let loader = ConfigurationLoader(environment: ["HOME": "/home/fuzz", "TOKEN": "t"], currentDirectory: "/work/fuzz")
        do {
            let configuration = try loader.parse(text, file: "/work/fuzz/mcp.json")
            precondition(configuration.servers.allSatisfy { !$0.endpoints.isEmpty }, "a server without an endpoint was accepted")
        } catch {
            precondition(!error.errors.isEmpty, "a refusal must name at least one error")
        }
    }
}
