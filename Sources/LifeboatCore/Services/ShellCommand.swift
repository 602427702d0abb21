import Foundation

/// A one-off shell command with a timeout (the runbook `shell` action), run the same careful
/// way as the service providers' commands.
public enum ShellCommand {
    public static func run(
        _ command: String, timeout: TimeInterval = 600,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceOutcome {
        let runner = ServiceCommandRunner(
            environment: environment, timeout: timeout,
            installHint: { _ in "/bin/sh is missing" })
        return try runner.run(.health, [["/bin/sh", "-c", command]])
    }
}
