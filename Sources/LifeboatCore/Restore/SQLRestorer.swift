import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Feeds a backup's SQL to psql, connected to one database, in a single transaction: a dump
/// that fails halfway leaves that database as it was (empty, for a new one).
public struct SQLRestorer {
    public let configuration: LifeboatConfiguration
    public var cancellation: CancellationFlag?
    public var progress: ((Int64) -> Void)?

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    public func restore(_ reader: BackupReader, into database: String, serverMajor: Int) throws -> BackupReader.Outcome {
        let psqlPath = try ClientProgramLocator.psql(configuration).locate(serverMajor: serverMajor)
        var environment = try ClientEnvironment.make(configuration)
        environment["PGDATABASE"] = database
        let psql = try PipedProcess(
            program: "psql", executable: psqlPath.path,
            arguments: ["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction"],
            environment: environment, direction: .toChild)
        cancellation?.onCancel { [pid = psql.processIdentifier] in kill(pid, SIGTERM) }
        defer { cancellation?.onCancel(nil) }
        var reader = reader
        reader.cancellation = cancellation
        reader.progress = progress
        reader.gnupgHome = configuration.gnupgHome
        let outcome: BackupReader.Outcome
        do {
            outcome = try reader.stream(to: psql.sink)
        } catch let error as StreamError where error.stage.rawValue == "psql" {
            // psql stopped reading: its own message says why; damage in the file may be the cause.
            try reader.checkHashAfterFailure()
            try psql.waitForSuccess()
            throw LifeboatError(error)
        } catch {
            psql.terminate()
            _ = try? psql.waitForSuccess()
            throw LifeboatError.wrap(error, stage: "restore")
        }
        do {
            try psql.waitForSuccess()
        } catch {
            try reader.checkHashAfterFailure()
            throw error
        }
        return outcome
    }
}
