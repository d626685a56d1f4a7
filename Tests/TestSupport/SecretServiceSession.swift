import Foundation

/// A private D-Bus session bus with GNOME Keyring's Secret Service on it, its login collection
/// made and unlocked: the real service libsecret talks to on a desktop, for one test. Nothing
/// of it touches the user's own keyring: the bus and the keyring live under `home`.
public final class SecretServiceSession: Sendable {
    public let address: String
    private let bus: ExternalProcess
    private let keyring: ExternalProcess

    public static let dbusDaemon = "/usr/bin/dbus-daemon"
    public static let keyringDaemon = "/usr/bin/gnome-keyring-daemon"
    public static let secretTool = "/usr/bin/secret-tool"

    /// What a process needs to reach this Secret Service.
    public var environment: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": address] }

    /// Starts the bus and the keyring under `home`, and waits until a secret can be stored.
    public init(home: String) async throws {
        for program in [Self.dbusDaemon, Self.keyringDaemon, Self.secretTool] { try Peers.require(program) }
        let isolated = ["HOME": home, "XDG_DATA_HOME": home + "/share", "XDG_RUNTIME_DIR": home, "DISPLAY": ""]
        // A bus with no service directories: nothing is started on demand, so a probe sent
        // before the keyring below owns its name fails and is retried, instead of activating a
        // second, locked keyring that waits on an unlock prompt no one can answer.
        let configuration = home + "/bus.conf"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:tmpdir=\(home)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        bus = ExternalProcess(Self.dbusDaemon, ["--config-file=\(configuration)", "--nofork", "--print-address=1"], environment: isolated)
        try bus.start()
        var address: String?
        for _ in 0..<600 {
            if let line = bus.stdout.split(separator: "\n").first, bus.stdout.contains("\n") {
                address = String(line)
                break
            }
            guard bus.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let address else { throw Failed(description: "dbus-daemon printed no address; stderr: \(bus.stderr)") }
        self.address = address
        // --unlock reads the login collection's password from stdin and makes the collection
        // when it is missing; an empty password would leave it to a prompt, which fails here.
        keyring = ExternalProcess(
            Self.keyringDaemon,
            ["--foreground", "--unlock", "--components=secrets"],
            environment: isolated.merging(["DBUS_SESSION_BUS_ADDRESS": address]) { _, new in new }
        )
        try keyring.start()
        keyring.write("switchboard-test-keyring")
        keyring.closeStdin()
        for _ in 0..<600 {
            let probe = try await ExternalProcess.run(
                Self.secretTool,
                ["store", "--label=probe", "application", "switchboard-test-probe"],
                environment: environment,
                stdin: "ready"
            )
            if probe.status == 0 { return }
            guard keyring.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let stderr = keyring.stderr
        stop()
        throw Failed(description: "the Secret Service did not come up; gnome-keyring-daemon said: \(stderr)")
    }

    /// Stops the keyring and the bus.
    public func stop() {
        keyring.stop()
        bus.stop()
    }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }
}
