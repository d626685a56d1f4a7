import JSONCore
import JSONSchema
import Logging
import MCPTransport
public import MCPWire
import Synchronization

/// What the client does when a server asks it for something: sampling, elicitation, roots.
///
/// Declaring a handler declares the matching client capability. Handlers run concurrently
/// with each other and with all other traffic, so a slow one (a person filling in a form)
/// never holds up the session. They serve both legacy pushed requests and modern
/// `input_required` results.
public struct ClientHandlers: Sendable {
    /// Answers `sampling/createMessage`: run the client's model.
    public var sampling: (@Sendable (CreateMessageParams) async throws -> CreateMessageResult)?
    /// Answers `elicitation/create`: ask the user.
    public var elicitation: (@Sendable (ElicitParams) async throws -> ElicitResult)?
    /// Answers `roots/list`.
    public var roots: (@Sendable () async throws -> [Root])?

    public init(
        sampling: (@Sendable (CreateMessageParams) async throws -> CreateMessageResult)? = nil,
        elicitation: (@Sendable (ElicitParams) async throws -> ElicitResult)? = nil,
        roots: (@Sendable () async throws -> [Root])? = nil
    ) {
        self.sampling = sampling
        self.elicitation = elicitation
        self.roots = roots
    }

    /// The capabilities these handlers imply.
    public var capabilities: ClientCapabilities {
        var capabilities = ClientCapabilities()
        if sampling != nil { capabilities.sampling = ["tools": .object([:])] }
        if elicitation != nil { capabilities.elicitation = ["form": .object([:]), "url": .object([:])] }
        if roots != nil { capabilities.roots = [:] }
        return capabilities
    }
}
