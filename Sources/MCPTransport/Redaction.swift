/// Hides secrets in what Switchboard prints: `config show`, tables, error messages.
///
/// Secrets in MCP configs sit in a few known places: header values (`Authorization`,
/// API keys), environment variables with secret-sounding names, URL credentials and
/// query parameters, and command-line flags like `--token=`. Those are replaced by
/// ``mask``; everything else is shown, so the output is still useful for debugging.
public enum Redaction {
    public static let mask = "‹redacted›"

    /// Header names whose values are never secret and help when shown.
    static let plainHeaders: Set<String> = ["accept", "content-type", "user-agent", "mcp-protocol-version", "accept-language"]

    static let secretWords = ["token", "key", "secret", "password", "passwd", "auth", "credential", "private", "cookie", "session", "signature"]

    /// Whether a name (of a variable, header, parameter or flag) sounds like it holds a secret.
    public static func soundsSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// A header's value as it may be shown.
    public static func header(_ name: String, _ value: String) -> String {
        plainHeaders.contains(name.lowercased()) ? value : mask
    }

    /// An environment variable's value as it may be shown.
    public static func environment(_ name: String, _ value: String) -> String {
        soundsSecret(name) ? mask : value
    }

    /// Arguments as they may be shown: the value of `--token=x`, or the word after `--token`, is masked.
    public static func arguments(_ arguments: [String]) -> [String] {
        var shown: [String] = []
        var maskNext = false
        for argument in arguments {
            if maskNext {
                shown.append(mask)
                maskNext = false
                continue
            }
            if argument.hasPrefix("-"), let equals = argument.firstIndex(of: "=") {
                let flag = argument[..<equals]
                shown.append(soundsSecret(String(flag)) ? flag + "=" + mask : argument)
            } else {
                shown.append(argument)
                maskNext = argument.hasPrefix("-") && soundsSecret(argument)
            }
        }
        return shown
    }

    /// A URL as it may be shown: the password of `user:password@` and secret-sounding query values masked.
    public static func url(_ url: String) -> String {
        var text = url
        if let scheme = text.firstRange(of: "://") {
            let authorityEnd = text[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            let authority = text[scheme.upperBound..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                let user = userinfo.split(separator: ":", maxSplits: 1).first ?? ""
                text.replaceSubrange(scheme.upperBound..<at, with: userinfo.contains(":") ? user + ":" + mask : user)
            }
        }
        guard let question = text.firstIndex(of: "?") else { return text }
        let fragmentStart = text[question...].firstIndex(of: "#") ?? text.endIndex
        let query = text[text.index(after: question)..<fragmentStart]
        let shown = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<equals]
            return soundsSecret(String(name)) ? name + "=" + mask : String(pair)
        }
        return text[...question] + shown.joined(separator: "&") + text[fragmentStart...]
    }
}
