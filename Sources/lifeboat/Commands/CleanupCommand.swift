import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract:
            "Find and remove what killed work left behind: scratch databases, partial backup files, PITR scratch clusters.",
        discussion: """
            Scratch databases are the ones Lifeboat names: lifeboat_verify_*, and for DATABASE_URL's database <db>: \
            <db>_restore_*, <db>_tables_*, <db>_drill_* (and their own restores), and the pitr_RUN_ID / drill_RUN_ID of \
            runs in LIFEBOAT_STATE_DIR. One a live run or restore still owns (its \
            advisory lock or a `lifeboat …` session) is kept and shown as held; any other backend in a leftover \
            (autovacuum, a forgotten psql) is ended by the drop. Copies kept on purpose (<db>_before_*, \
            <db>_rolledback_*) are never offered. Partial files are the hidden .NAME.partial of backups whose \
            process is gone; scratch clusters are PITR drills' pitr-RUN_ID folders.

            Examples:
              lifeboat cleanup --dry-run
              lifeboat cleanup
              lifeboat cleanup --json
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only list what would be removed.")
    var dryRun = false

    struct Output: Encodable {
        let dryRun: Bool
        let leftovers: [Leftover]
        let held: [Leftover]
        let removed: [Leftover]
        let failed: [LeftoverCleaner.Failure]
        let problems: [String]
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let found = Self.scan(configuration)
            let held = found.found.filter { $0.heldBy != nil }
            let cleaned =
                dryRun
                ? LeftoverCleaner.Outcome() : LeftoverCleaner(configuration: configuration).remove(found.leftovers)
            if global.json {
                try Terminal.printJSON(
                    Output(
                        dryRun: dryRun, leftovers: found.leftovers, held: held, removed: cleaned.removed,
                        failed: cleaned.failed, problems: found.problems))
            } else {
                if found.leftovers.isEmpty { print("no leftovers") }
                for leftover in found.leftovers where dryRun { print("would remove \(leftover.line)") }
                for leftover in cleaned.removed { print("removed \(leftover.line)") }
                for failure in cleaned.failed { print("NOT removed \(failure.leftover.line): \(failure.error)") }
                for leftover in held { print("kept \(leftover.line)") }
                if dryRun && !found.leftovers.isEmpty { print("run `lifeboat cleanup` to remove them") }
            }
            if !cleaned.failed.isEmpty {
                throw LifeboatError(
                    stage: "cleanup",
                    message:
                        "\(cleaned.failed.count) leftover\(cleaned.failed.count == 1 ? "" : "s") could not be removed",
                    hint: "see the lines above for each one and what to do")
            }
            // Not looking is not "nothing left": the command fails and says where it could not look.
            if let problem = found.problems.first {
                throw LifeboatError(
                    stage: "cleanup", message: problem,
                    hint: "check DATABASE_URL reaches its server (`lifeboat status`), then run it again")
            }
        }
    }

    /// The scan, with the runbook engine's view of who holds a target or a run (its lock files).
    static func scan(_ configuration: LifeboatConfiguration) -> LeftoverScan.Outcome {
        let engine = runEngine(configuration)
        var scan = LeftoverScan(configuration: configuration)
        scan.targetHolder = RunbookPreflight.lockHolder(
            stateDirectory: engine.stateDirectory, conninfo: configuration.databaseURL)
        scan.runHolder = { runID in
            guard let journal = try? engine.existingJournal(runID),
                let state = try? RunState(events: RunJournal.read(journal)),
                state.finished == nil, let pid = engine.livePID(of: runID, state: state)
            else { return nil }
            return "run \(runID) (pid \(pid) on this host)"
        }
        scan.isOurRun = { runID in (try? engine.existingJournal(runID)) != nil }
        return scan.scan()
    }

    /// One line for `runbook resume` (and the like): what no live run owns, and how to remove it.
    static func noteLeftovers(_ configuration: LifeboatConfiguration) {
        let leftovers = scan(configuration).leftovers
        guard !leftovers.isEmpty else { return }
        Terminal.note(
            "leftovers no live run owns: " + leftovers.map(\.line).joined(separator: "; ")
                + " — `lifeboat cleanup --dry-run` lists them, `lifeboat cleanup` removes them")
    }
}
