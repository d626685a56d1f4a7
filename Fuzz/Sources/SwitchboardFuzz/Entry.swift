#if FUZZING
import Foundation

/// The target named by `FUZZ_TARGET` (read once).
let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

/// libFuzzer's entry point: built with `-sanitize=fuzzer,address -DFUZZING` (scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver, called from our own `main`: SwiftPM names an executable's entry point
/// after its module, so libFuzzer's `main` would never be reached.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOne))
    }
}
#else
import Foundation

/// Without the fuzzer, a regression runner: every file under the given folders (or the
/// checked-in seed corpus) goes through the target its folder names.
///
///     switchboard-fuzz Fuzz/Corpus            # every target's seeds
///     switchboard-fuzz Fuzz/Corpus/json crash-1234
@main
enum CorpusReplay {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let roots = arguments.isEmpty ? ["Fuzz/Corpus"] : arguments
        var count = 0
        for root in roots {
            for (target, file) in try inputs(under: root) {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                data.withUnsafeBytes { raw in target.run(raw.bindMemory(to: UInt8.self)) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }

    /// Each file with the target named by its folder (`.../json/seed-1`).
    static func inputs(under root: String) throws -> [(FuzzTarget, String)] {
        var found: [(FuzzTarget, String)] = []
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else { throw CocoaError(.fileNoSuchFile) }
        if !isDirectory.boolValue {
            let folder = URL(fileURLWithPath: root).deletingLastPathComponent().lastPathComponent
            if let target = FuzzTarget(rawValue: folder) { found.append((target, root)) }
            return found
        }
        for entry in try manager.subpathsOfDirectory(atPath: root).sorted() {
            let path = root + "/" + entry
            var entryIsDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue else { continue }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
            if let target = FuzzTarget(rawValue: folder) { found.append((target, path)) }
        }
        return found
    }
}
#endif
