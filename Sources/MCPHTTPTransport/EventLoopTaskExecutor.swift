import NIOCore

/// Runs tasks on a NIO event loop: a task executor for tasks that prefer the thread their
/// HTTP connection lives on.
///
/// A job enqueued from the loop itself joins the loop's task queue with no wake-up; from
/// elsewhere, NIO wakes the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        eventLoop.execute { unowned.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
