import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a runbook against a scratch database, never the live one, and measure RTO and RPO.",
        discussion: """
            Service steps are recorded, not run; approval gates are approved automatically (and recorded
            as such); restores go to <db>_drill_<time>, dropped at the end unless --keep.

            Examples:
              lifeboat drill recent-corruption
              lifeboat drill weekly-drill --json
              lifeboat drill point-in-time --input target_time=2025-01-01T00:00:00Z --keep
            """
    )

    @OptionGroup var location: RunbookCommand.Location
    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RunbookSelection

    @Flag(help: "Keep the scratch databases for inspection.")
    var keep = false

    func run() async throws {
        try await runbookErrors {
            let configuration = try await global.loadConfiguration()
            let runbook = try location.library.load(selection.name)
            let live = try RestoreRunner(configuration: configuration).targetDatabase()
            let scratch = Self.scratchName(live)
            var engine = runEngine(configuration)
            engine.cancellation = Signals.cancellation
            engine.reportToTerminal()
            try engine.announce(configuration)
            var options = RunEngine.Options()
            options.drill = true
            options.autoApprove = true
            var outcome: (String, RunState)?
            defer { if !keep { Self.dropScratch(scratch, state: outcome?.1, configuration: configuration) } }
            outcome = try engine.start(runbook, inputs: try selection.parsedInputs(), target: scratch, options: options)
            let (runID, state) = outcome!
            let measures = DrillMeasures(state: state, runbook: runbook)
            if global.json {
                try Terminal.printJSON(DrillReport(runID: runID, runbook: runbook.name, status: state.finished?.rawValue ?? "open",
                                                   scratchDatabase: scratch, kept: keep, measures: measures))
            } else {
                RunbookCommand.printStatus(runID, state)
                print("RTO: \(measures.rtoSeconds.map { String(format: "%.1fs", $0) } ?? "not reached") (start to validated data)")
                print("RPO: \(measures.rpoSeconds.map { Self.describe($0) } ?? "unknown") (target time minus the backup's snapshot, \(measures.backup ?? "no backup chosen"))")
                print(keep ? "kept: \(scratch)" : "scratch databases dropped; live database \(live) untouched")
            }
        }
    }

    static func scratchName(_ live: String) -> String {
        let suffix = "_drill_" + BackupName.format(Date()).lowercased()
        var base = live
        while base.utf8.count + suffix.utf8.count > 63 { base.removeLast() }
        return base + suffix
    }

    /// Drops the drill target and every database the drill's restores created.
    static func dropScratch(_ scratch: String, state: RunState?, configuration: LifeboatConfiguration) {
        guard let admin = try? DatabaseAdmin(conninfo: configuration.databaseURL ?? "") else { return }
        defer { admin.close() }
        var names = [scratch]
        for record in state?.steps.values ?? [:].values { if let database = record.outputs["database"], !database.isEmpty { names.append(database) } }
        let live = try? RestoreRunner(configuration: configuration).targetDatabase()
        for name in Set(names) where name != live { try? admin.drop(name) }
    }

    static func describe(_ seconds: Double) -> String {
        if seconds < 3600 { return String(format: "%.0fs", seconds) }
        if seconds < 86400 { return String(format: "%.1fh", seconds / 3600) }
        return String(format: "%.1fd", seconds / 86400)
    }
}

struct DrillReport: Encodable {
    let runID: String
    let runbook: String
    let status: String
    let scratchDatabase: String
    let kept: Bool
    let measures: DrillMeasures
}
