import Foundation
import JSONCore
import MCPAuth
import MCPAuthHTTP
import SwitchboardAuth
import TestSupport
import Testing

/// How the client ID is obtained, in the specification's order: pre-registration, Client ID
/// Metadata Documents, dynamic registration; and the machine client's client_credentials grant.
extension AuthorizationOverHTTP {
    @Suite("Client registration: pre-registered, metadata documents, and machine clients")
    struct RegistrationScenarioTests {
        @Test("pre-registration: the configured client and its fixed redirect URI, nothing registered")
        func preregistration() async throws {
            let port = try Network.freePort()
            let redirect = "http://127.0.0.1:\(port)/callback"
            let arguments = ["--no-registration", "--preregistered", "pre-client:pre-secret:client_secret_basic:\(redirect)"]
            try await AuthFixture.with(arguments, separate: true) { fixture in
                let registration = ClientRegistration(
                    preregistered: .init(
                        clientID: "pre-client",
                        clientSecret: "pre-secret",
                        authMethod: .clientSecretBasic,
                        issuer: nil,
                        redirectURI: redirect
                    )
                )
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture, registration: registration).get()
                #expect(outcome.client.credentials.clientID == "pre-client")
                #expect(outcome.client.redirectURIs == [redirect])
                #expect(outcome.stored.client?.credentials.clientID == "pre-client")
                #expect(!outcome.registered)
                let counts = try await fixture.counts()
                #expect(counts.int("registrations") == 0 && counts.int("exchanges") == 1)
                let tokenClients = try await fixture.events("token").compactMap { $0.string("client_id") }
                #expect(tokenClients == ["pre-client"])
            }
        }

        @Test("a pre-registered client bound to another authorization server is never sent there")
        func preregistrationForAnotherServer() async throws {
            try await AuthFixture.with([
                "--no-registration", "--preregistered", "pre-client:pre-secret:client_secret_basic:http://127.0.0.1:1/callback",
            ]) {
                fixture async throws in
                let registration = ClientRegistration(
                    preregistered: .init(clientID: "pre-client", clientSecret: "pre-secret", issuer: "https://login.example", redirectURI: nil)
                )
                let outcome = await ConformanceScenarioTests.signIn(to: fixture, registration: registration)
                guard case .failure(let error) = outcome else {
                    Issue.record("signed in with a client bound to another authorization server")
                    return
                }
                #expect(error.code == .registrationUnavailable)
                #expect(error.message.contains("https://login.example"))
                #expect(try await fixture.events("client-lookup").isEmpty)
                #expect(try await fixture.events("token").isEmpty)
            }
        }

        /// The document `switchboard auth client-metadata` prints for `url`, as the fixture's
        /// authorization server would fetch it.
        static func publishedDocument(_ url: String, in folder: String) async throws -> String {
            let printed = try await ExternalProcess.run(Peers.switchboard, ["auth", "client-metadata", url])
            guard printed.status == 0, case .object = try JSONValue(parsing: Array(printed.stdout.utf8)) else {
                throw Unexpected("client-metadata: \(printed.status) \(printed.stderr)")
            }
            let path = folder + "/cimd.json"
            try "{\"\(url)\": \(printed.stdout)}".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test("basic CIMD: the metadata document's URL is the client ID where the server supports it; no registration")
        func clientIDMetadataDocument() async throws {
            let url = "https://switchboard.example/client.json"
            try await withTemporaryFolder(files: [:]) { folder in
                let documents = try await Self.publishedDocument(url, in: folder)
                try await AuthFixture.with(["--cimd-documents", documents], separate: true) { fixture in
                    let outcome = try await ConformanceScenarioTests.signIn(to: fixture, registration: ClientRegistration(metadataDocumentURL: url))
                        .get()
                    #expect(outcome.client.credentials.clientID == url)
                    #expect(outcome.stored.client?.credentials.clientID == url)
                    let counts = try await fixture.counts()
                    #expect(counts.int("registrations") == 0 && counts.int("exchanges") == 1)
                    let authorized = try await fixture.events("authorize").compactMap { $0.string("client_id") }
                    #expect(authorized == [url])
                    #expect(try await fixture.events("cimd").count >= 1)
                }
            }
        }

        @Test("a metadata document is not offered to a server that does not support them: dynamic registration instead")
        func noMetadataDocumentSupport() async throws {
            try await AuthFixture.with([], separate: true) { fixture in
                let registration = ClientRegistration(metadataDocumentURL: "https://switchboard.example/client.json")
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture, registration: registration).get()
                #expect(outcome.registered)
                #expect(outcome.client.credentials.clientID != "https://switchboard.example/client.json")
                #expect(try await fixture.counts().int("registrations") == 1)
            }
        }
    }
}
