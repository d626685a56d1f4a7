/// Credentials for HTTP servers from the environment, for machines that cannot sign in with a
/// browser.
public enum SignInEnvironment {
    /// `SWITCHBOARD_TOKEN_<SERVER>`: the server's name upper-cased, anything but ASCII letters
    /// and digits as `_` (`my-server` → `SWITCHBOARD_TOKEN_MY_SERVER`). Its value is sent as a
    /// bearer token, over any stored sign-in.
    public static func tokenVariable(for name: String) -> String {
        "SWITCHBOARD_TOKEN_" + String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}
