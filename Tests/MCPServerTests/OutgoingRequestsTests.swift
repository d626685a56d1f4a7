import JSONCore
import MCPServer
import MCPWire
import Testing

/// The server's requests to the client as a state machine: a cancellation or an answer that
/// comes before the caller waits is kept, never lost. Waiters are plain strings here.
@Suite("Server requests to the client")
struct OutgoingRequestsTests {
    struct Refused: Error {}

    @Test("a cancellation before the caller waits is handed to the caller when it waits")
    func earlyCancellation() {
        var table = OutgoingRequests<String>()
        let id = RequestID.string("s-1")
        let registered = table.register(id)
        let resumed = table.finish(id, .failure(CancellationError()))
        let kept = table.attach(id, "caller")
        #expect(registered)
        #expect(resumed == nil, "nobody waits yet: the outcome is kept")
        guard case .failure(let error)? = kept else {
            Issue.record("the cancellation was lost")
            return
        }
        #expect(error is CancellationError)
        #expect(table.count == 0)
    }

    @Test("an answer before the caller waits is kept; a second end is ignored")
    func earlyAnswer() {
        var table = OutgoingRequests<String>()
        let id = RequestID.string("s-2")
        _ = table.register(id)
        let first = table.finish(id, .success(["action": "accept"]))
        let second = table.finish(id, .failure(CancellationError()))
        let kept = table.attach(id, "caller")
        #expect(first == nil && second == nil)
        guard case .success(let result)? = kept else {
            Issue.record("the answer was lost")
            return
        }
        #expect(result["action"] == "accept")
    }

    @Test("an answer after the caller waits resumes that caller, once")
    func answerWhileWaiting() {
        var table = OutgoingRequests<String>()
        let id = RequestID.string("s-5")
        _ = table.register(id)
        let attached = table.attach(id, "caller")
        let resumed = table.finish(id, .success([:]))
        let again = table.finish(id, .failure(CancellationError()))
        #expect(attached == nil)
        #expect(resumed == "caller")
        #expect(again == nil)
        #expect(table.count == 0)
    }

    @Test("closing fails what is pending and refuses new requests")
    func closing() {
        var table = OutgoingRequests<String>()
        _ = table.register(.string("s-3"))
        let waiters = table.close(Refused())
        let kept = table.attach(.string("s-3"), "caller")
        let registered = table.register(.string("s-4"))
        #expect(waiters.isEmpty, "no waiter yet")
        guard case .failure(let error)? = kept else {
            Issue.record("the pending request was not failed")
            return
        }
        #expect(error is Refused)
        #expect(!registered)
    }
}
