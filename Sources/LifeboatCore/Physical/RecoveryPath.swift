import Foundation

/// Which way a point-in-time recovery goes: `physical` (pgBackRest restore plus WAL replay to
/// the very moment) when the engine is configured and the moment lies inside the WAL archive
/// window, else `logical` (the closest logical backup not after it, with its coarser
/// granularity). The reason is for the responder: it is printed by `runbook plan` and kept in
/// the run's journal, so nobody has to guess later why a run took the path it took.
public struct RecoveryPath: Sendable, Equatable {
    public enum Kind: String, Sendable { case physical, logical }

    public let kind: Kind
    public let reason: String
    public let window: WALWindow?

    public init(kind: Kind, reason: String, window: WALWindow?) {
        self.kind = kind
        self.reason = reason
        self.window = window
    }

    /// The pure decision. `window` nil with the engine on: pgBackRest could not be read (`problem`).
    public static func choose(target: Date, engineConfigured: Bool, window: WALWindow?, problem: String? = nil)
        -> RecoveryPath
    {
        let when = ArchiveFindings.timestamp(target)
        guard engineConfigured else {
            return RecoveryPath(
                kind: .logical,
                reason: "the physical engine is not configured (LIFEBOAT_PHYSICAL_ENGINE is off): "
                    + "the closest logical backup not after \(when) is restored", window: nil)
        }
        guard let window else {
            return RecoveryPath(
                kind: .logical,
                reason: "the WAL archive window is unknown (\(problem ?? "pgBackRest could not be read")): "
                    + "falling back to the closest logical backup", window: nil)
        }
        guard let from = window.from else {
            return RecoveryPath(
                kind: .logical,
                reason: "the pgBackRest repository holds no valid backup yet, so there is no WAL archive window: "
                    + "falling back to the closest logical backup", window: window)
        }
        guard let to = window.to else {
            return RecoveryPath(
                kind: .logical,
                reason: "the time of the last archived WAL is unknown (pg_stat_archiver could not be read), "
                    + "so the end of the WAL archive window is too: falling back to the closest logical backup",
                window: window)
        }
        let span = "\(ArchiveFindings.timestamp(from)) … \(ArchiveFindings.timestamp(to))"
        if target < from {
            return RecoveryPath(
                kind: .logical,
                reason: "\(when) is before the WAL archive window \(span) (the oldest physical backup, "
                    + "\(window.oldestBackup ?? "?"), ended at \(ArchiveFindings.timestamp(from))): falling back to the closest logical backup",
                window: window)
        }
        if target > to {
            return RecoveryPath(
                kind: .logical,
                reason: "\(when) is after the last archived WAL (\(ArchiveFindings.timestamp(to)); window \(span)): "
                    + "changes after it are in no archive yet, so falling back to the closest logical backup",
                window: window)
        }
        return RecoveryPath(kind: .physical, reason: "\(when) is inside the WAL archive window \(span)", window: window)
    }

    /// Reads the window (pgBackRest `info` and the server's last archived time) and decides.
    public static func choose(
        target: Date, configuration: LifeboatConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> RecoveryPath {
        let settings: PhysicalEngineSettings?
        do {
            settings = try PhysicalEngineSettings.configured(configuration)
        } catch {
            return choose(
                target: target, engineConfigured: true, window: nil,
                problem: LifeboatError.wrap(error, stage: "configuration").message)
        }
        guard let settings else { return choose(target: target, engineConfigured: false, window: nil) }
        do {
            let stanza = try PgBackRest(settings: settings, environment: environment).info()
            // The server's record of the last archived WAL ends the window; without it, nothing past the backups is sure.
            let archived = try? ArchiverStatus.read(configuration)
            return choose(
                target: target, engineConfigured: true,
                window: WALWindow(stanza: stanza, lastArchivedTime: archived?.lastArchivedTime))
        } catch {
            return choose(
                target: target, engineConfigured: true, window: nil,
                problem: LifeboatError.wrap(error, stage: "pgbackrest").message)
        }
    }
}
