import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatReports
import LifeboatRunbooks

extension HistoryFormat: ExpressibleByArgument {}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every drill and run from LIFEBOAT_STATE_DIR, one row each: RTO, RPO, downtime and objectives met.",
        discussion: """
            Reads each run's journal (LIFEBOAT_STATE_DIR/runs/*/journal.jsonl), oldest first: when, scenario, \
            drill or real, outcome, backup used, RTO, RPO, downtime and whether the runbook's objectives were met. \
            JSON follows docs/history.schema.json.

            Examples:
              lifeboat history
              lifeboat history --scenario weekly-drill --drills --since 90d
              lifeboat history --format html > history.html
              lifeboat history --runs --format json | jq '.runs[] | select(.objectives_met == false)'
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only runs of this runbook (its name, e.g. recent-corruption).")
    var scenario: String?

    @Flag(help: "Only drills.")
    var drills = false

    @Flag(help: "Only real runs (not drills).")
    var runs = false

    @Option(help: "Only runs started within this long before now (e.g. 90d, 12h).")
    var since: String?

    @Option(
        help:
            "md (default), html (a page with an RTO/RPO chart per scenario) or json; --json is the same as --format json."
    )
    var format: HistoryFormat?

    func validate() throws {
        if drills && runs {
            throw ValidationError("--drills and --runs exclude each other: leave both out to list every run")
        }
        if global.json, let format, format != .json {
            throw ValidationError(
                "--json asks for --format json: leave out one of --json and --format \(format.rawValue)")
        }
        if let since {
            do { _ = try DurationValue.parse(since) } catch {
                throw ValidationError("--since \(since): \(error) (e.g. --since 90d)")
            }
        }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let now = Date()
            let window = try since.map { try DurationValue.parse($0) }
            let filter = RunHistory.Filter(
                scenario: scenario, kind: drills ? .drills : runs ? .runs : .all,
                since: window.map { now.addingTimeInterval(-$0.seconds) })
            let (history, skipped) = RunHistory.read(
                stateDirectory: runEngine(configuration).stateDirectory, filter: filter, generatedAt: now)
            if !skipped.isEmpty {
                Terminal.note(
                    "history: left out \(skipped.count) folder(s) under runs/ without a readable run journal: \(skipped.joined(separator: ", "))"
                )
            }
            let text = try history.render(global.json ? .json : (format ?? .markdown))
            try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
        }
    }
}
