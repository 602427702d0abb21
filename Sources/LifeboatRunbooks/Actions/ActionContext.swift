import Foundation
import LifeboatCore

/// What an action may use while it runs: configuration, the run's folder for artifacts, the
/// target database (a scratch one in drills), the services provider, and cancellation.
public struct ActionContext: Sendable {
    public let configuration: LifeboatConfiguration
    public let runID: String
    public let runDirectory: URL
    public let target: String
    public let drill: Bool
    public let services: (any ServiceProvider)?
    public var cancellation: CancellationFlag?
    public let note: @Sendable (String) -> Void
    /// The running step's `timeout`, for actions that wait on something outside (shell).
    public var stepTimeout: TimeInterval?
    /// Bytes moved so far by a transfer (cloud.fetch), for the progress line.
    public var progress: (@Sendable (Int64) -> Void)?
    /// Journals where the step's work stands before a part begins that a resume must know
    /// about (a restore's scratch database), so a killed step can be judged safe to redo.
    public var checkpoint: (@Sendable ([String: String]) throws -> Void)?
    /// Sends a run event to the webhooks (the `notify` action).
    public var emit: (@Sendable (RunEvent) -> Void)?
    /// A drill's `--keep`: scratch clusters (PITR drills) keep their folder after the run.
    public var keepScratch = false
    /// In a drill, once `physical.restore` recovered a scratch cluster: where the steps after it
    /// connect (sql.check without `url:`), so a runbook written for the live cluster drills as it is.
    public var scratchURL: String?

    public var artifacts: URL { runDirectory.appendingPathComponent("artifacts") }
}

/// A step's parameters with every reference filled in.
public struct ResolvedParameters: Sendable {
    public let values: [String: [String]]

    public func string(_ name: String) -> String? { values[name]?.first }

    /// A bool parameter (validated as one before the run): true, yes, on or 1.
    public func flag(_ name: String) -> Bool {
        ["true", "yes", "on", "1"].contains(string(name)?.lowercased() ?? "")
    }

    public func required(_ name: String) throws -> String {
        guard let value = string(name), !value.isEmpty else { throw RunbookRunError("parameter '\(name)' is empty") }
        return value
    }

    /// A list parameter; items written "a,b" count as two.
    public func list(_ name: String) -> [String] {
        (values[name] ?? []).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter
        { !$0.isEmpty }
    }
}
