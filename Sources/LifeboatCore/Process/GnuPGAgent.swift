import Foundation

/// Starts a keyring's gpg-agent ourselves, with the allow-listed environment, before gpgme
/// needs it.
///
/// gpgme runs gpg with Lifeboat's whole environment, and gpg starts gpg-agent with it: a daemon
/// that outlives Lifeboat and kept AWS keys and the SMTP password in its `/proc/PID/environ`
/// (seen here after one `lifeboat verify`). Started first through `gpgconf --launch`, the agent
/// gets only what `ChildEnvironment` allows, and gpg finds it running and starts nothing. gpg
/// itself still inherits everything, but lives only as long as one operation.
public enum GnuPGAgent {
    /// Best effort: without gpgconf, gpg starts the agent as before.
    public static func launch(
        homeDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        var argv = ["gpgconf"]
        if let home = homeDirectory ?? environment["GNUPGHOME"], !home.isEmpty {
            argv += ["--homedir", (home as NSString).expandingTildeInPath]
        }
        var command = CapturedCommand(argv + ["--launch", "gpg-agent"], environment: environment, timeout: 30)
        command.program = .gnupg
        _ = try? command.run(stage: "gpg-agent")
    }
}
