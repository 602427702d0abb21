import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatPostgres
import LifeboatReports
import LifeboatRunbooks

struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a runbook against a scratch database, never the live one, and measure RTO and RPO.",
        discussion: """
            Service steps are recorded, not run; approval gates are approved automatically (and recorded
            as such); restores go to <db>_drill_<time>, dropped at the end unless --keep. Preflight checks
            run first and are shown and journaled; a failed one does not stop a drill (it changes nothing
            live), but a real run would stop there.

            Examples:
              lifeboat drill recent-corruption
              lifeboat drill weekly-drill --json
              lifeboat drill point-in-time --input target_time=2025-01-01T00:00:00Z --keep
            """
    )

    @OptionGroup var location: RunbookCommand.Location
    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RunbookSelection

    @Flag(help: "Keep the scratch databases (and a PITR drill's scratch cluster folder, stopped) for inspection.")
    var keep = false

    /// The input recent-corruption asks for: when the damage began.
    static let incidentInput = "incident_time"

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let runbook = try location.library(configuration).load(selection.name)
            let live = try RestoreRunner(configuration: configuration).targetDatabase()
            let scratch = Self.scratchName(live)
            var engine = runEngine(configuration)
            engine.cancellation = Signals.cancellation
            engine.reportToTerminal()
            try engine.announce(configuration)
            var options = RunEngine.Options()
            options.drill = true
            options.autoApprove = true
            options.keepScratch = keep
            // A rehearsal has no incident: a runbook that asks when the damage began rehearses
            // with the newest backup unless told otherwise (said, and journaled as an input).
            var inputs = try selection.parsedInputs()
            if runbook.inputs.contains(where: { $0.name == Self.incidentInput }) && inputs[Self.incidentInput] == nil {
                inputs[Self.incidentInput] = "latest"
                Terminal.note(
                    "drill: \(Self.incidentInput)=latest (a rehearsal has no incident; give --input \(Self.incidentInput)=TIME to rehearse one)"
                )
            }
            // A drill runs no provider command (only LIFEBOAT_DRILL_*_COMMAND): none to check.
            let report = RunbookPreflight(
                configuration: configuration, stateDirectory: engine.stateDirectory, services: nil
            )
            .check(runbook, inputs: inputs, target: scratch, drill: true)
            options.preflight = report
            printPreflight(report, .none)
            if !report.failed.isEmpty {
                Terminal.note(
                    "preflight: \(report.failed.map(\.name).joined(separator: ", ")) failed — a drill changes nothing live, so it goes on "
                        + "(and records them); a real run would stop here")
            }
            // The engine drops the scratch databases when the run ends (unless --keep), so a
            // drill finished later by `runbook resume` cleans up the same way.
            let (runID, state) = try engine.start(runbook, inputs: inputs, target: scratch, options: options)
            let measures = DrillMeasures(state: state, runbook: runbook)
            if global.json {
                try Terminal.printJSON(
                    DrillReport(
                        runID: runID, runbook: runbook.name, status: state.finished?.rawValue ?? "open",
                        scratchDatabase: scratch, kept: keep, measures: measures, preflight: report.checks,
                        scratchCluster: DrillScratchCluster(state)))
            } else {
                RunbookCommand.printStatus(runID, state)
                print(
                    "RTO: \(measures.rtoSeconds.map { String(format: "%.1fs", $0) } ?? "not reached") (start to validated data)"
                )
                if measures.recoveredTo != nil {
                    print(
                        "RPO: \(measures.rpoSeconds.map { String(format: "%.3fs", $0) } ?? "unknown") (target time minus the last replayed transaction, backup set \(measures.backup ?? "?"))"
                    )
                } else {
                    print(
                        "RPO: \(measures.rpoSeconds.map { Self.describe($0) } ?? "unknown") (target time minus the backup's snapshot, \(measures.backup ?? "no backup chosen"))"
                    )
                }
                ObjectivesText.print(measures.objectives)
                if let cluster = DrillScratchCluster(state) {
                    print(cluster.lines(keep: keep).joined(separator: "\n"))
                } else {
                    print(keep ? "kept: \(scratch)" : "scratch databases dropped; live database \(live) untouched")
                }
            }
        }
    }

    static func scratchName(_ live: String) -> String {
        let suffix = "_drill_" + BackupName.format(Date()).lowercased()
        var base = live
        while base.utf8.count + suffix.utf8.count > 63 { base.removeLast() }
        return base + suffix
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
    /// The preflight checks: a failed one is shown and journaled, and the drill goes on.
    let preflight: [PreflightCheck]
    /// A PITR drill's scratch cluster (physical.restore): where it was, what it reached.
    let scratchCluster: DrillScratchCluster?
}
