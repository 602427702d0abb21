import Foundation
import LifeboatStreams

/// Removes leftovers `LeftoverScan` found: drops scratch databases (ending any session in them:
/// none is Lifeboat's, or the scan would have called it held), removes partial files, stops
/// and removes scratch clusters. Held ones are never touched.
public struct LeftoverCleaner {
    public struct Outcome: Sendable, Encodable {
        public var removed: [Leftover] = []
        /// Each leftover that could not be removed, with why.
        public var failed: [Failure] = []

        public init() {}
    }

    public struct Failure: Sendable, Encodable {
        public let leftover: Leftover
        public let error: String
    }

    public let configuration: LifeboatConfiguration

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    public func remove(_ leftovers: [Leftover]) -> Outcome {
        var outcome = Outcome()
        let target = try? RestoreRunner(configuration: configuration).targetDatabase()
        var admin: DatabaseAdmin?
        var adminError: String?
        for leftover in leftovers where leftover.heldBy == nil {
            do {
                switch leftover.kind {
                case .database:
                    // Belt and braces: the live database is never a scratch name, and never dropped here.
                    guard leftover.name != target else { continue }
                    if admin == nil && adminError == nil {
                        do { admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "") } catch {
                            adminError = SystemStatusProbe.text(error)
                        }
                    }
                    guard let admin else {
                        throw LifeboatError(stage: "cleanup", message: adminError ?? "no connection")
                    }
                    try admin.drop(leftover.name)
                case .partialFile:
                    let folder = URL(fileURLWithPath: leftover.name).deletingLastPathComponent()
                    // The sweep takes the file's lock first: a writer that came back keeps it.
                    let file = URL(fileURLWithPath: leftover.name).lastPathComponent
                    guard
                        AtomicFileSink.removeAbandonedPartials(in: folder, accept: { ".\($0).partial" == file }) == [
                            file
                        ]
                    else {
                        throw LifeboatError(
                            stage: "cleanup", message: "\(leftover.name) is in use again or already gone")
                    }
                case .scratchCluster:
                    try removeCluster(leftover.name)
                }
                outcome.removed.append(leftover)
            } catch {
                outcome.failed.append(Failure(leftover: leftover, error: SystemStatusProbe.text(error)))
            }
        }
        admin?.close()
        return outcome
    }

    func removeCluster(_ folder: String) throws {
        if let settings = try PhysicalEngineSettings.configured(configuration) {
            guard ScratchRecovery.finish(folder: folder, keep: false, settings: settings) else {
                throw LifeboatError(
                    stage: "cleanup", message: "could not stop the scratch cluster in \(folder)",
                    hint: "stop it with pg_ctl -D \(folder)/pgdata stop -m fast, then run `lifeboat cleanup` again")
            }
        } else if FileManager.default.fileExists(atPath: folder + "/pgdata/postmaster.pid") {
            throw LifeboatError(
                stage: "cleanup",
                message: "the scratch cluster in \(folder) may still be running and LIFEBOAT_PHYSICAL_ENGINE is off",
                hint: "stop it with pg_ctl -D \(folder)/pgdata stop -m fast, then run `lifeboat cleanup` again")
        } else {
            try FileManager.default.removeItem(atPath: folder)
        }
    }
}
