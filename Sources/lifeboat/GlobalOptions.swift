import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

/// Options every command shares: where configuration comes from and how results are printed.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "A .env file to read (default: ./.env, or LIFEBOAT_ENV_FILE).")
    var environmentFile: String?

    @Option(name: .customLong("backup-dir"), help: "Backup folder (overrides BACKUP_DIR).")
    var backupDirectory: String?

    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false

    @Option(
        name: .customLong("metrics-file"),
        help: "Prometheus textfile to update after the job (overrides LIFEBOAT_METRICS_FILE).")
    var metricsFile: String?

    /// Loads the configuration with `overrides` (flag values under their variable names) on top.
    func loadConfiguration(_ overrides: [String: String] = [:]) async throws -> LifeboatConfiguration {
        var overrides = overrides
        if let backupDirectory { overrides[ConfigurationKey.backupDir.name] = backupDirectory }
        if let metricsFile { overrides[ConfigurationKey.metricsFile.name] = metricsFile }
        return try await LifeboatConfiguration.load(overrides: overrides, environmentFile: environmentFile)
    }
}

/// Runs a command body, turning Lifeboat's declared errors into a clear message on stderr and
/// a verdict that `Lifeboat.main` ends the process with (`ExitStatus` picks the code), instead
/// of ArgumentParser's generic report. `diff` maps the failure onto its diff(1) codes.
func reportingErrors<T>(diff: Bool = false, _ body: () async throws -> T) async throws -> T {
    ParentWatch.startIfAsked()
    do {
        return try await body()
    } catch let verdict as CommandVerdict {
        throw verdict
    } catch let error where ExitStatus.isDeclared(error) {
        if let invalid = error as? RunbookInvalid {
            // One problem a line (file:line:column), then the count.
            for issue in invalid.issues { try? FileHandle.standardError.write(contentsOf: Data("\(issue)\n".utf8)) }
            Terminal.error("\(invalid.issues.count) problem\(invalid.issues.count == 1 ? "" : "s") found")
        } else {
            Terminal.error(String(describing: error))
        }
        throw diff ? CommandVerdict(diff: DiffExitStatus(for: error)) : CommandVerdict(ExitStatus(for: error))
    }
}
