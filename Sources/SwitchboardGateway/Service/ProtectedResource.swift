import HTTPTypes
import Hummingbird
import JSONCore
import NIOCore
import SwitchboardConfiguration

/// The gateway as an OAuth protected resource (RFC 9728), when `"gateway": {"jwt"}` is
/// configured: its resource identifier, where its metadata document is, and the document.
struct ProtectedResource: Sendable {
    let setting: GatewaySettings.JWTSetting
    let scopes: ScopePolicy
    /// The MCP endpoint's path (`/mcp`).
    let endpointPath: String

    /// The well-known prefix of RFC 9728.
    static let wellKnown = "/.well-known/oauth-protected-resource"

    /// The resource identifier: the configured `resource`, else the audience when it is a
    /// URL, else the endpoint on the host the request was sent to.
    func identifier(host: String?) -> String {
        if let resource = setting.resource { return resource }
        if setting.audience.hasPrefix("https://") || setting.audience.hasPrefix("http://") { return setting.audience }
        return "http://\(host ?? "127.0.0.1")\(endpointPath)"
    }

    /// Where the metadata of the resource is: the well-known prefix inserted between its
    /// origin and its path.
    func metadataURL(host: String?) -> String {
        let resource = identifier(host: host)
        guard let schemeEnd = resource.firstRange(of: "://") else { return resource + Self.wellKnown }
        let afterScheme = resource[schemeEnd.upperBound...]
        let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let origin = resource[..<pathStart]
        var path = String(afterScheme[pathStart...].prefix { $0 != "?" && $0 != "#" })
        if path == "/" { path = "" }
        return origin + Self.wellKnown + path
    }

    /// The metadata document.
    func document(host: String?) -> JSONObject {
        var document: JSONObject = [
            "resource": .string(identifier(host: host)),
            "authorization_servers": [.string(setting.issuer)],
            "bearer_methods_supported": ["header"],
            "resource_name": "Switchboard gateway",
        ]
        let supported = scopes.supported
        if !supported.isEmpty { document["scopes_supported"] = .array(supported.map(JSONValue.string)) }
        return document
    }

    func metadataResponse(_ request: Request) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "max-age=300"
        let body = JSONValue.object(document(host: request.head.authority)).serializedString()
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A `WWW-Authenticate: Bearer ...` challenge (RFC 6750 §3), its parameters in a fixed order.
struct BearerChallenge: Sendable {
    var error: String?
    var description: String?
    var scope: [String] = []
    var resourceMetadata: String?

    var header: String {
        var parameters = ["realm=\"switchboard\""]
        if let error { parameters.append("error=\"\(Self.quotable(error))\"") }
        if let description { parameters.append("error_description=\"\(Self.quotable(description))\"") }
        if !scope.isEmpty { parameters.append("scope=\"\(scope.joined(separator: " "))\"") }
        if let resourceMetadata { parameters.append("resource_metadata=\"\(Self.quotable(resourceMetadata))\"") }
        return "Bearer " + parameters.joined(separator: ", ")
    }

    /// The characters RFC 6750 allows in a quoted value: printable ASCII but `"` and `\`.
    static func quotable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value <= 0x7E && $0 != "\"" && $0 != "\\" }))
    }
}
