import CSystemShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached OS thread running `body`.
///
/// The stdio reader blocks in `poll(2)`; doing that on a thread of its own keeps the Swift
/// concurrency pool free and lets a response resume its waiting caller directly, with no hop
/// through another executor.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) throws(TransportError) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }
    let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let rc = pthread_create(
        &thread,
        nil,
        { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            switchboard_set_thread_name(box.name)
            box.body()
            return nil
        },
        box
    )
    guard rc == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        throw TransportError(.spawnFailed, "could not start an I/O thread (error \(rc))")
    }
    #if canImport(Darwin)
    pthread_detach(thread!)
    #else
    pthread_detach(thread)
    #endif
}

/// The text of the C library's message for an `errno` value.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}
