import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatReports
import LifeboatRunbooks

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report (Markdown, HTML with a timeline chart, or JSON) from its journal alone.",
        discussion: """
            The report needs only LIFEBOAT_STATE_DIR/runs/RUN_ID/journal.jsonl: copy that folder to \
            any machine to report on a run that crashed. JSON follows docs/report.schema.json.

            Examples:
              lifeboat report 20250118t030000z-3fa2                       # Markdown on stdout
              lifeboat report 20250118t030000z-3fa2 --format html --output incident.html
              lifeboat report 20250118t030000z-3fa2 --format json | jq .outcome
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run id (as printed by `lifeboat runbook run` and `lifeboat drill`).")
    var runID: String

    @Option(help: "md (default), html or json; --json is the same as --format json.")
    var format: ReportFormat?

    @Option(help: "Write the report to this file (replaced atomically) instead of stdout.")
    var output: String?

    func validate() throws {
        if global.json, let format, format != .json {
            throw ValidationError(
                "--json asks for --format json: leave out one of --json and --format \(format.rawValue)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let engine = runEngine(configuration)
            let events = try RunJournal.read(try Self.journal(runID, engine))
            let report = try RunReport(
                runID: runID, events: events, knownActions: RunState(events: events).actionsFromRunbook())
            let text = try report.render(global.json ? .json : (format ?? .markdown))
            if let output { try Self.write(text, to: URL(fileURLWithPath: output)) }
            if output == nil { try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) }
        }
    }

    /// The run's journal, or an error that says which runs this state directory does hold.
    static func journal(_ runID: String, _ engine: RunEngine) throws -> URL {
        do {
            return try engine.existingJournal(runID)
        } catch let missing as RunbookRunError {
            let runs = engine.stateDirectory.appendingPathComponent("runs")
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).filter {
                !$0.hasPrefix(".")
            }.sorted()
            let here =
                known.isEmpty
                ? "it holds no runs" : "the newest runs there: " + known.suffix(5).reversed().joined(separator: ", ")
            throw RunbookRunError(
                missing.message,
                hint: "\(here); set LIFEBOAT_STATE_DIR to the state folder of the machine that ran it, "
                    + "or copy that machine's runs/\(runID) folder into \(runs.path)")
        }
    }

    /// Through a temporary file beside the target and a rename, so a reader (a web server, a
    /// ticket attachment job) never sees half a report.
    static func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw ReportError(
                .write, "cannot write \(url.path): \(error.localizedDescription)",
                hint: "check that the folder \(url.deletingLastPathComponent().path) exists and is writable")
        }
    }
}
