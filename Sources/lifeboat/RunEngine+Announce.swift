import Foundation
import LifeboatCore
import LifeboatRunbooks

extension RunEngine {
    /// Run events to the webhooks, and each run's outcome to the metrics textfile.
    mutating func announce(_ configuration: LifeboatConfiguration) throws {
        let notifier = try EventNotifier(configuration: configuration)
        let runs = stateDirectory.appendingPathComponent("runs")
        onEvent = { event in
            let name = LifeboatEvent.Name(rawValue: event.name) ?? .runbookNotice
            notifier.emit(name, details: event.details.mapValues { EventValue.string($0) })
            if name == .runbookCompleted || name == .runbookFailed {
                JobMetrics.record(configuration) {
                    $0.runbookRun(
                        event.details["runbook"] ?? "?", drill: event.details["drill"] == "true",
                        outcome: name == .runbookCompleted ? "succeeded" : "failed")
                    DrillMetrics.record(event, runs: runs, into: &$0)
                }
            }
        }
    }
}
