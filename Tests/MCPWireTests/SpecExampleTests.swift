import Foundation
import JSONCore
import MCPWire
import Testing

/// Every example the 2026-07-28 specification ships is read into its typed value and
/// written back; the result must equal the original, member for member and in order.
@Suite("Specification examples")
struct SpecExampleTests {
    /// Reads one example as its schema type and writes it back out.
    typealias RoundTrip = @Sendable (JSONValue) throws -> JSONValue

    static func object<T: MCPObject>(_ type: T.Type) -> RoundTrip {
        { value in try T(value: value).jsonValue }
    }

    /// A full JSON-RPC message whose params or result is checked as `T`.
    static func message<T: MCPObject>(_ type: T.Type?) -> RoundTrip {
        { value in
            guard case .object(let object) = value else { throw WireError(path: "", reason: "not an object") }
            let message = try JSONRPCMessage(object: object)
            switch message {
            case .request(let r):
                if let type, let params = r.params { _ = try type.init(json: params) }
            case .notification(let n):
                if let type, let params = n.params { _ = try type.init(json: params) }
            case .response(let r):
                if let type { _ = try type.init(json: r.result) }
            case .errorResponse:
                break
            }
            return try JSONValue(parsing: message.encoded())
        }
    }

    static let inputRequest: RoundTrip = object(InputRequest.self)

    static let errorObject: RoundTrip = { value in
        guard case .object(let object) = value, let code = object.int("code"), let message = object.string("message")
        else { throw WireError(path: "", reason: "not an error object") }
        return JSONRPCError(code: code, message: message, data: object["data"]).jsonValue
    }

    static let roundTrips: [String: RoundTrip] = [
        "AudioContent": object(ContentBlock.self),
        "BlobResourceContents": object(ResourceContents.self),
        "BooleanSchema": object(ElicitationFieldSchema.self),
        "CallToolRequest": message(CallToolParams.self),
        "CallToolRequestParams": object(CallToolParams.self),
        "CallToolResult": object(CallToolResult.self),
        "CallToolResultResponse": message(CallToolResult.self),
        "CancelledNotification": message(CancelledParams.self),
        "CancelledNotificationParams": object(CancelledParams.self),
        "ClientCapabilities": object(ClientCapabilities.self),
        "CompleteRequest": message(CompleteParams.self),
        "CompleteRequestParams": object(CompleteParams.self),
        "CompleteResult": object(CompleteResult.self),
        "CompleteResultResponse": message(CompleteResult.self),
        "CreateMessageRequest": inputRequest,
        "CreateMessageRequestParams": object(CreateMessageParams.self),
        "CreateMessageResult": object(CreateMessageResult.self),
        "DiscoverRequest": message(EmptyResult.self),
        "DiscoverResult": object(DiscoverResult.self),
        "DiscoverResultResponse": message(DiscoverResult.self),
        "ElicitRequest": inputRequest,
        "ElicitRequestFormParams": object(ElicitParams.self),
        "ElicitRequestURLParams": object(ElicitParams.self),
        "ElicitResult": object(ElicitResult.self),
        "EmbeddedResource": object(ContentBlock.self),
        "GetPromptRequest": message(GetPromptParams.self),
        "GetPromptRequestParams": object(GetPromptParams.self),
        "GetPromptResult": object(GetPromptResult.self),
        "GetPromptResultResponse": message(GetPromptResult.self),
        "HeaderMismatchError": message(nil as EmptyResult.Type?),
        "ImageContent": object(ContentBlock.self),
        "InputRequests": { value in
            guard case .object(let requests) = value else { throw WireError(path: "", reason: "not an object") }
            var out = JSONObject()
            for (key, request) in requests {
                guard case .object(let r) = request else { throw WireError(path: "/" + key, reason: "not an object") }
                out[key] = .object(try InputRequest(json: r).json)
            }
            return .object(out)
        },
        "InputRequiredResult": object(InputRequiredResult.self),
        "InputResponses": { value in
            // Each response is the result type of its request; both kinds appear here.
            guard case .object(let responses) = value else { throw WireError(path: "", reason: "not an object") }
            var out = JSONObject()
            for (key, response) in responses {
                guard case .object(let r) = response else { throw WireError(path: "/" + key, reason: "not an object") }
                out[key] = r["action"] != nil ? try ElicitResult(json: r).jsonValue : try CreateMessageResult(json: r).jsonValue
            }
            return .object(out)
        },
        "InternalError": errorObject,
        "InvalidParamsError": errorObject,
        "ListPromptsRequest": message(PaginatedParams.self),
        "ListPromptsResult": object(ListPromptsResult.self),
        "ListPromptsResultResponse": message(ListPromptsResult.self),
        "ListResourceTemplatesRequest": message(PaginatedParams.self),
        "ListResourceTemplatesResult": object(ListResourceTemplatesResult.self),
        "ListResourceTemplatesResultResponse": message(ListResourceTemplatesResult.self),
        "ListResourcesRequest": message(PaginatedParams.self),
        "ListResourcesResult": object(ListResourcesResult.self),
        "ListResourcesResultResponse": message(ListResourcesResult.self),
        "ListRootsRequest": inputRequest,
        "ListRootsResult": object(ListRootsResult.self),
        "ListToolsRequest": message(PaginatedParams.self),
        "ListToolsResult": object(ListToolsResult.self),
        "ListToolsResultResponse": message(ListToolsResult.self),
        "LoggingMessageNotification": message(LoggingMessageParams.self),
        "LoggingMessageNotificationParams": object(LoggingMessageParams.self),
        "MethodNotFoundError": errorObject,
        "MissingRequiredClientCapabilityError": message(nil as EmptyResult.Type?),
        "ModelPreferences": object(ModelPreferences.self),
        "NumberSchema": object(ElicitationFieldSchema.self),
        "PaginatedRequestParams": object(PaginatedParams.self),
        "ParseError": errorObject,
        "ProgressNotification": message(ProgressParams.self),
        "ProgressNotificationParams": object(ProgressParams.self),
        "PromptListChangedNotification": message(EmptyResult.self),
        "ReadResourceRequest": message(ResourceParams.self),
        "ReadResourceResult": object(ReadResourceResult.self),
        "ReadResourceResultResponse": message(ReadResourceResult.self),
        "Resource": object(Resource.self),
        "ResourceLink": object(ContentBlock.self),
        "ResourceListChangedNotification": message(EmptyResult.self),
        "ResourceUpdatedNotification": message(ResourceUpdatedParams.self),
        "ResourceUpdatedNotificationParams": object(ResourceUpdatedParams.self),
        "Root": object(Root.self),
        "SamplingMessage": object(SamplingMessage.self),
        "ServerCapabilities": object(ServerCapabilities.self),
        "StringSchema": object(ElicitationFieldSchema.self),
        "SubscriptionsAcknowledgedNotification": message(SubscriptionsAcknowledgedParams.self),
        "SubscriptionsListenRequest": message(SubscriptionsListenParams.self),
        "SubscriptionsListenResult": object(EmptyResult.self),
        "SubscriptionsListenResultResponse": message(EmptyResult.self),
        "TextContent": object(ContentBlock.self),
        "TextResourceContents": object(ResourceContents.self),
        "TitledMultiSelectEnumSchema": object(ElicitationFieldSchema.self),
        "TitledSingleSelectEnumSchema": object(ElicitationFieldSchema.self),
        "Tool": object(Tool.self),
        "ToolListChangedNotification": message(EmptyResult.self),
        "ToolResultContent": object(ContentBlock.self),
        "ToolUseContent": object(ContentBlock.self),
        "UnsupportedProtocolVersionError": message(nil as EmptyResult.Type?),
        "UntitledMultiSelectEnumSchema": object(ElicitationFieldSchema.self),
        "UntitledSingleSelectEnumSchema": object(ElicitationFieldSchema.self),
    ]

    static var examplesDirectory: URL { SpecFixtures.specDirectory.appendingPathComponent("2026-07-28/examples") }

    static func exampleFiles() throws -> [(type: String, file: URL)] {
        let manager = FileManager.default
        var result: [(String, URL)] = []
        for type in try manager.contentsOfDirectory(atPath: examplesDirectory.path).sorted() {
            let folder = examplesDirectory.appendingPathComponent(type)
            for name in try manager.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".json") {
                result.append((type, folder.appendingPathComponent(name)))
            }
        }
        return result
    }

    @Test("every example type has a typed reader")
    func everyTypeIsCovered() throws {
        let types = Set(try Self.exampleFiles().map(\.type))
        #expect(types.count > 80)
        let missing = types.subtracting(Self.roundTrips.keys)
        #expect(missing.isEmpty, "no typed reader for \(missing.sorted())")
    }

    @Test("each example survives decode and re-encode unchanged")
    func roundTrip() throws {
        var checked = 0
        for (type, file) in try Self.exampleFiles() {
            guard let roundTrip = Self.roundTrips[type] else { continue }
            let original = try JSONValue(parsing: Data(contentsOf: file))
            let reencoded: JSONValue
            do {
                reencoded = try roundTrip(original)
            } catch {
                Issue.record("\(type)/\(file.lastPathComponent): \(error)")
                continue
            }
            #expect(reencoded.semanticallyEquals(original), "\(type)/\(file.lastPathComponent) changed")
            // Member order is kept too, so the compact texts are identical.
            #expect(reencoded.serializedString() == original.serializedString(), "\(type)/\(file.lastPathComponent)")
            checked += 1
        }
        #expect(checked >= 120)
    }

    @Test("typed accessors read the examples' values")
    func typedAccess() throws {
        func load(_ path: String) throws -> JSONObject {
            try #require(JSONValue(parsing: Data(contentsOf: Self.examplesDirectory.appendingPathComponent(path))).objectValue)
        }
        let discover = try DiscoverResult(json: load("DiscoverResult/server-capabilities-discovery.json"))
        #expect(discover.supportedVersions == [.v2026_07_28])
        #expect(discover.metaServerInfo?.name == "ExampleServer")
        #expect(discover.ttlMs == 3_600_000)
        #expect(discover.cacheScope == .public)
        #expect(discover.capabilities.supportsTools)

        let structured = try CallToolResult(json: load("CallToolResult/result-with-structured-content.json"))
        #expect(structured.structuredContent?["temperature"] == .double(22.5))
        #expect(structured.isError == false)
        #expect(structured.resultType == .complete)

        let inputRequired = try InputRequiredResult(
            json: load("InputRequiredResult/input-required-result-with-elicitation-and-sampling-and-request-state.json")
        )
        #expect(inputRequired.inputRequests.map(\.key) == ["github_login", "capital_of_france"])
        #expect(inputRequired.requestState == "eyJsb2NhdGlvbiI6Ik5ldyBZb3JrIn0")
        if case .elicitation(let elicit) = inputRequired.inputRequests[0].request.kind {
            #expect(elicit.mode == .form)
        } else {
            Issue.record("first input request is not an elicitation")
        }

        let error = try load("UnsupportedProtocolVersionError/unsupported-version.json")
        guard case .errorResponse(let response) = try JSONRPCMessage(object: error) else {
            Issue.record("not an error response")
            return
        }
        #expect(response.error.code == ErrorCode.unsupportedProtocolVersion)
        #expect(UnsupportedVersionData(response.error.data)?.supported == [.v2026_07_28, .v2025_11_25])
    }

    @Test("the kept copy of the examples matches the shared specification, when it is here")
    func vendoredCopyIsCurrent() throws {
        let shared = SpecFixtures.shared.appendingPathComponent("2026-07-28/examples")
        guard FileManager.default.fileExists(atPath: shared.path) else { return }
        let vendored = SpecFixtures.vendored.appendingPathComponent("2026-07-28/examples")
        let files = try FileManager.default.subpathsOfDirectory(atPath: shared.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count > 100)
        for file in files {
            let a = try Data(contentsOf: shared.appendingPathComponent(file))
            let b = try Data(contentsOf: vendored.appendingPathComponent(file))
            #expect(a == b, "\(file) differs from the shared specification; copy it again")
        }
    }

    @Test("unknown members and _meta survive a round trip")
    func unknownMembersKept() throws {
        let text = #"{"name":"t","inputSchema":{"type":"object","x-vendor":[1,2.5,"z"]},"_meta":{"com.example/k":{"deep":true}},"futureField":null}"#
        let tool = try Tool(value: JSONValue(parsing: text))
        #expect(tool.description == text)
        #expect(tool.meta?["com.example/k"]?["deep"] == .bool(true))
    }

    @Test("a malformed value names the member at fault")
    func validationNamesMember() throws {
        let bad = try JSONValue(parsing: #"{"content":[{"type":"text"}]}"#)
        #expect {
            try CallToolResult(value: bad)
        } throws: { error in
            (error as? WireError)?.path == "/content/0/text"
        }
    }
}
