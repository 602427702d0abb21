import ArgumentParser
import Foundation
import LifeboatCore

@main
struct Lifeboat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeboat",
        abstract: "PostgreSQL backups that restore, and disaster-recovery runbooks that run.",
        discussion: """
            Configuration comes from flags, then the environment, then a .env file, then defaults; \
            `lifeboat config` shows the effective values.
            """,
        version: LifeboatVersion.current,
        subcommands: [
            BackupCommand.self, ListCommand.self, PruneCommand.self, VerifyCommand.self, DiffCommand.self,
            RestoreCommand.self, FetchCommand.self, SyncCommand.self, RunbookCommand.self, DrillCommand.self,
            DrillNextCommand.self, ReportCommand.self, WorkerCommand.self, ScheduleCommand.self, StatusCommand.self,
            HistoryCommand.self, CleanupCommand.self, EngineCommand.self, ConfigCommand.self, DocsCommand.self
        ]
    )

    /// ArgumentParser's own `main`, with the one place a process picks its exit code: a
    /// command's verdict carries the code `ExitStatus` mapped its error to; everything else
    /// (help, `--version`, a usage error, an undeclared error) ends the way ArgumentParser ends it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let verdict as CommandVerdict {
            exit(withError: ExitCode(verdict.code))
        } catch {
            exit(withError: error)
        }
    }
}
