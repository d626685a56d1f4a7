import JSONCore
import SwitchboardConfiguration
import SwitchboardGateway
import Testing

@Suite("Gateway API keys")
struct APIKeyTests {
    @Test("a new key is sbk_ and 43 base64url characters, different each time, and only its digest is kept")
    func generate() {
        let keys = (0..<64).map { _ in APIKey.generate() }
        #expect(Set(keys.map(\.text)).count == 64)
        for key in keys {
            #expect(key.text.hasPrefix("sbk_") && key.text.count == 4 + 43)
            #expect(key.text.dropFirst(4).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(!key.digest.description.contains(String(key.text.dropFirst(4))))
        }
    }

    @Test("digests: SHA-256 of the key, read back from hex in either case, anything else refused")
    func digests() throws {
        // SHA-256("abc"), FIPS 180-2.
        let known = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(APIKeyDigest(of: "abc").description == known)
        #expect(APIKeyDigest(hex: known) == APIKeyDigest(of: "abc"))
        #expect(APIKeyDigest(hex: known.uppercased()) == APIKeyDigest(of: "abc"))
        for bad in ["", String(known.dropLast()), known + "0", String(known.dropLast()) + "g", "z" + known.dropFirst()] {
            #expect(APIKeyDigest(hex: bad) == nil, "\(bad)")
        }
    }

    @Test("a presented key names its principal and roles; a wrong, empty or near-miss key names nobody")
    func authenticate() throws {
        let alice = APIKey.generate()
        let bob = APIKey.generate()
        let directory = try APIKeyDirectory([
            .init(name: "alice", digest: alice.digest, roles: ["reader"]),
            .init(name: "bob", digest: try #require(APIKeyDigest(hex: bob.digest.description)), roles: ["admin", "reader"]),
        ])
        #expect(directory.authenticate(alice.text) == Principal(name: "alice", roles: ["reader"], method: .apiKey))
        #expect(directory.authenticate(bob.text)?.roles == ["admin", "reader"])
        #expect(directory.authenticate("") == nil)
        #expect(directory.authenticate(String(alice.text.dropLast())) == nil)
        #expect(directory.authenticate(alice.text + " ") == nil)
        #expect(directory.authenticate(alice.digest.description) == nil)
    }

    @Test("two entries with one name, or one key under two names, are refused")
    func duplicates() {
        let key = APIKey.generate()
        #expect(throws: APIKeyDirectory.Problem.self) {
            try APIKeyDirectory([.init(name: "a", digest: key.digest, roles: []), .init(name: "a", digest: APIKey.generate().digest, roles: [])])
        }
        let shared = #expect(throws: APIKeyDirectory.Problem.self) {
            try APIKeyDirectory([.init(name: "a", digest: key.digest, roles: []), .init(name: "b", digest: key.digest, roles: [])])
        }
        #expect(shared?.description.contains("\"b\"") == true)
    }
}

@Suite("API keys from the configuration")
struct ConfiguredAPIKeyTests {
    @Test("keys given by value and by digest authenticate the same way; the digest of one is the other's")
    func configured() throws {
        let key = APIKey.generate()
        let other = APIKey.generate()
        let configuration = try ConfigurationLoader(environment: ["ALICE_KEY": key.text], currentDirectory: "/work")
            .parse(
                """
                {"gateway": {"apiKeys": [
                  {"name": "alice", "key": {"env": "ALICE_KEY"}, "roles": ["reader"]},
                  {"name": "ci", "key": {"sha256": "\(other.digest.description.uppercased())"}, "roles": ["caller"]}],
                 "roles": {"reader": {"tools": ["*"]}, "caller": {"tools": ["*"]}}},
                 "mcpServers": {}}
                """,
                file: "/work/switchboard.json"
            )
        let settings = try #require(configuration.gateway)
        let directory = try APIKeyDirectory(configured: settings.apiKeys)
        #expect(directory.authenticate(key.text)?.name == "alice")
        #expect(directory.authenticate(other.text) == Principal(name: "ci", roles: ["caller"], method: .apiKey))
        #expect(directory.authenticate(other.digest.description) == nil)
        // `config show` names the keys and never shows one.
        let summary = configuration.redactedSummary.serializedString()
        #expect(summary.contains("\"alice\"") && summary.contains("(secret)"))
        #expect(!summary.contains(key.text))
    }
}
