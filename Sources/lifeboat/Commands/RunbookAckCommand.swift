import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

extension RunbookCommand {
    /// `runbook ack`: a failed run keeps `lifeboat status` unhealthy until a person says they
    /// have seen it; the acknowledgement is a journal event, so the record says who and when.
    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack",
            abstract: "Acknowledge a failed run: `lifeboat status` stops counting it as a problem.",
            discussion: """
                The run stays failed and can still be resumed or aborted; if it fails again it needs a new \
                acknowledgement. Recorded in the run's journal with --by, the OS user and the time.

                Example:
                  lifeboat runbook ack 20250118t030000z_3fa2 --by alice --reason "disk was full; freed, will rerun"
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The run id (`lifeboat status` lists the failed ones).")
        var runID: String

        @Option(help: "Who acknowledges (default: $USER).")
        var by: String?

        @Option(help: "Why, or what happens next (recorded).")
        var reason: String?

        /// `--json`: what was recorded.
        struct Acknowledged: Encodable {
            let runId: String
            let by: String
            let user: String
            let at: Date
            let reason: String?
        }

        func validate() throws {
            if let by, by.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--by needs a name, e.g. --by alice")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let engine = runEngine(configuration)
                let state = RunState(events: try RunJournal.read(try engine.existingJournal(runID)))
                guard state.finished == .failed else {
                    let now = state.finished.map { "it \($0.rawValue)" } ?? "it has not finished"
                    throw RunbookRunError(
                        "run \(runID) did not fail: \(now); only a failed run is acknowledged",
                        hint: "`lifeboat runbook status \(runID)` shows where it stands")
                }
                if let earlier = state.acknowledgedBy {
                    throw RunbookRunError(
                        "run \(runID) was already acknowledged by \(earlier)",
                        hint: "nothing to do; `lifeboat status` no longer counts it")
                }
                var event = JournalEvent(kind: .acknowledged)
                event.by = by ?? RunEngine.operatorName()
                event.user = NSUserName()
                event.host = ProcessInfo.processInfo.hostName
                event.message = reason
                try RunJournal(directory: engine.runDirectory(runID)).append(event)
                if global.json {
                    try Terminal.printJSON(
                        Acknowledged(
                            runId: runID, by: event.by ?? "", user: event.user ?? "", at: event.at, reason: reason))
                }
                Terminal.note("acknowledged the failure of run \(runID) as \(event.by ?? "?")")
            }
        }
    }
}
