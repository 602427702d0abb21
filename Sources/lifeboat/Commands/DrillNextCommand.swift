import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

/// `lifeboat drill-next`: what the scheduled drill runs unless LIFEBOAT_DRILL_RUNBOOK names a
/// runbook. It picks the next scenario of the rotation (`DrillRotation`) from the drills in
/// LIFEBOAT_STATE_DIR and hands over to `lifeboat drill` with that scenario's inputs, so it
/// behaves, prints and exits exactly as that drill does.
struct DrillNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill-next",
        abstract: "Drill the scenario drilled longest ago (never drilled first): what the scheduled drill runs.",
        discussion: """
            The rotation: the shipped scenarios whose runbook is in LIFEBOAT_RUNBOOKS_DIR and that can run \
            unattended here: recent-corruption always; weekly-drill and total-loss with BACKUP_CLOUD_SYNC_ENABLED; \
            point-in-time (to target_time=now) with LIFEBOAT_PHYSICAL_ENGINE. accidental-deletion is never \
            drilled unattended: only a person can name the damaged tables.

            Examples:
              lifeboat drill-next
              lifeboat drill-next --json
            """)

    @OptionGroup var location: RunbookCommand.Location
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep the scratch databases for inspection (as `drill --keep`).")
    var keep = false

    func run() async throws {
        let arguments = try await reportingErrors {
            let configuration = try await global.loadConfiguration(
                location.dir.map { [ConfigurationKey.runbooksDir.name: $0] } ?? [:])
            let scenarios = try DrillRotation.scenarios(configuration)
            let last = DrillStatus.lastDrills(stateDirectory: runEngine(configuration).stateDirectory).mapValues(
                \.startedAt)
            guard let next = DrillRotation.next(scenarios, lastDrilled: last) else {
                throw LifeboatError(
                    stage: "drill-next",
                    message: "no shipped scenario can be drilled unattended here: none of recent-corruption, "
                        + "weekly-drill, total-loss, point-in-time is in \(configuration.runbooksDirectory.relativePath) with what it needs",
                    hint:
                        "set LIFEBOAT_RUNBOOKS_DIR to the folder of the shipped runbooks, or name one with LIFEBOAT_DRILL_RUNBOOK",
                    category: .configuration)
            }
            Terminal.note(
                "drill-next: \(next.name) ("
                    + (last[next.name].map { "last drilled \(DrillFreshness.age(Date().timeIntervalSince($0))) ago" }
                        ?? "never drilled")
                    + "; rotation: \(scenarios.map(\.name).joined(separator: ", ")))")
            return [next.name] + next.inputs.sorted { $0.key < $1.key }.flatMap { ["--input", "\($0.key)=\($0.value)"] }
                + forwarded
        }
        try await DrillCommand.parse(arguments).run()
    }

    /// This command's options, said again to `drill`.
    var forwarded: [String] {
        var arguments: [String] = []
        if let dir = location.dir { arguments += ["--dir", dir] }
        if let file = global.environmentFile { arguments += ["--env-file", file] }
        if let folder = global.backupDirectory { arguments += ["--backup-dir", folder] }
        if let metrics = global.metricsFile { arguments += ["--metrics-file", metrics] }
        if global.json { arguments.append("--json") }
        if keep { arguments.append("--keep") }
        return arguments
    }
}
