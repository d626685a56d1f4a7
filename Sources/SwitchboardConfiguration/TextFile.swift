#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes, without Foundation (the lean `switchboard` binary has none).
public enum TextFile {
    /// Why a file could not be read or written: the system's words for it.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        /// The `errno` behind it; `ENOENT` tells "missing" from "unreadable".
        public var code: Int32

        public var description: String { "\(path): \(reason)" }
        public var isMissing: Bool { code == ENOENT }
    }

    /// The whole contents of a file, decoded as UTF-8.
    public static func read(_ path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                if count < 0 { throw failure(path) }
                break
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to `path` through a temporary file and a rename, so a reader never sees
    /// half of it. With `replacing` false, an existing file is an error. `permissions` apply from
    /// the start: a secret is never readable by others, not even for a moment.
    public static func write(_ text: String, to path: String, replacing: Bool = true, permissions: UInt32 = 0o644) throws(Failure) {
        if !replacing && exists(path) { throw Failure(path: path, reason: "already exists", code: EEXIST) }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(permissions))
        guard fd >= 0 else { throw failure(path) }
        // An existing temporary file keeps its mode through O_CREAT; set it (umask aside) here.
        fchmod(fd, mode_t(permissions))
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let error = failure(path)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The modification time, in nanoseconds, and size: enough to notice an edit.
    public static func stamp(_ path: String) -> (modified: Int64, size: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), Int64(info.st_size))
    }

    /// The process's working directory.
    public static var currentDirectory: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `directory` when it is relative.
    public static func absolute(_ path: String, from directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    /// The directory part of a path (`.` for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(_ path: String) -> Failure {
        let code = errno
        return Failure(path: path, reason: String(cString: strerror(code)), code: code)
    }
}
