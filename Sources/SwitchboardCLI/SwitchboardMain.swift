import SwitchboardCommands

/// The lean `switchboard` binary: every command, with HTTP handed to `switchboard-http`.
@main
enum SwitchboardMain {
    static func main() async {
        await SwitchboardCommand.main()
    }
}
