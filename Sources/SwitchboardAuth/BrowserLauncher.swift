import MCPAuth
import Subprocess

/// Opens a URL in the user's browser with `xdg-open`, never through a shell, and only for
/// `http` and `https` URLs.
public enum BrowserLauncher {
    /// Whether a browser was started; false when there is none to start (no `xdg-open`, no
    /// display), and the URL has to be opened by hand.
    public static func open(_ url: String) async -> Bool {
        guard let parsed = try? AbsoluteURL(url), parsed.scheme == "http" || parsed.scheme == "https" else { return false }
        do {
            let outcome = try await Subprocess.run(
                .name("xdg-open"),
                arguments: Arguments([url]),
                output: .discarded,
                error: .discarded
            )
            return outcome.terminationStatus.isSuccess
        } catch {
            return false
        }
    }
}
