import Foundation

/// `lifeboat engine check`: is the physical engine able to protect the cluster right now?
/// pgBackRest's view of the stanza (`info`), the server's archiving settings and record
/// (`ArchiveFindings`), then pgBackRest's own end-to-end `check` (it forces a WAL switch and
/// waits for the segment to reach the repository). Every problem is a finding with what to do;
/// the check goes on after one, so a single run shows everything that is wrong.
public struct EngineCheck {
    public struct Report: Sendable, Encodable {
        public let stanza: String
        public let config: String?
        public let runAs: String
        public let passed: Bool
        public let findings: [EngineFinding]
        public let archiver: ArchiverStatus?
        public let newestBackup: PgBackRestInfo.BackupSet?
        public let backupCount: Int?
        public let walWindow: WALWindow?

        public var problems: [EngineFinding] { findings.filter(\.isProblem) }
    }

    public let configuration: LifeboatConfiguration
    public let settings: PhysicalEngineSettings
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// How long `pgbackrest check` may wait for its WAL segment when archiving is known to be
    /// failing: it cannot arrive, and pgBackRest's own archive-timeout (60 s) would be wasted.
    public var failingArchiveTimeout: TimeInterval = 5

    public init(configuration: LifeboatConfiguration, settings: PhysicalEngineSettings) {
        self.configuration = configuration
        self.settings = settings
    }

    public func run() -> Report {
        let pgbackrest = PgBackRest(settings: settings, environment: environment)
        var findings: [EngineFinding] = []

        var stanza: PgBackRestInfo.Stanza?
        do {
            let info = try pgbackrest.info()
            stanza = info
            let count = info.validBackups.count
            let newest =
                info.newest().map {
                    " newest \($0.label) (\($0.kind.rawValue), \(ArchiveFindings.timestamp($0.finishedAt)))"
                } ?? ""
            let level: EngineFinding.Level = count == 0 ? .warning : .ok
            findings.append(
                EngineFinding(
                    "pgbackrest info", level,
                    "stanza '\(settings.stanza)': \(info.status.message), \(count) backup\(count == 1 ? "" : "s")"
                        + (newest.isEmpty ? "" : ",\(newest)"),
                    hint: count == 0 ? "take the first one: lifeboat backup --engine physical --kind full" : nil))
        } catch {
            findings.append(Self.finding("pgbackrest info", error))
        }

        var archiver: ArchiverStatus?
        do {
            archiver = try ArchiverStatus.read(configuration)
        } catch {
            findings.append(Self.finding("database", error))
        }
        if let archiver { findings += ArchiveFindings.assess(archiver, settings: settings) }

        // pgBackRest's end-to-end test, bounded when the server already says WAL cannot arrive.
        let failing = archiver?.isFailing == true || findings.contains { $0.check == "archive_command" && $0.isProblem }
        let options = failing ? ["--archive-timeout=\(Int(failingArchiveTimeout))"] : []
        do {
            try pgbackrest.runChecked("check", options: options, timeout: 600)
            findings.append(
                EngineFinding(
                    "pgbackrest check", .ok,
                    "WAL switched and archived to the repository; the stanza's configuration matches the cluster"))
        } catch {
            findings.append(Self.finding("pgbackrest check", error))
        }

        // pgbackrest check has just archived a segment: the window ends there now.
        let lastArchived = (try? ArchiverStatus.read(configuration))?.lastArchivedTime ?? archiver?.lastArchivedTime
        let window = stanza.map { WALWindow(stanza: $0, lastArchivedTime: lastArchived) }
        return Report(
            stanza: settings.stanza, config: settings.configPath, runAs: settings.runAs.user,
            passed: !findings.contains(where: \.isProblem), findings: findings, archiver: archiver,
            newestBackup: stanza?.newest(), backupCount: stanza?.validBackups.count, walWindow: window)
    }

    static func finding(_ check: String, _ error: any Error) -> EngineFinding {
        let error = LifeboatError.wrap(error, stage: check)
        return EngineFinding(check, .failed, error.message, hint: error.hint)
    }
}
