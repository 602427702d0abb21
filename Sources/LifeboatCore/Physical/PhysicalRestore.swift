import Foundation

/// `pgbackrest restore` of the whole cluster: to a moment (`--type=time --target=…
/// --target-action=promote`) or to the end of the archive (`--type=default`). `--delta` over a
/// data directory that holds files, so running it again after an interruption only fixes what
/// differs: that is what makes the runbook step safe to repeat. Refuses while a postmaster runs
/// on the directory; pgBackRest would refuse too, less clearly.
public struct PhysicalRestore: Sendable {
    public enum Target: Sendable, Equatable {
        case latest
        case time(Date)

        /// The text pgBackRest and PostgreSQL's recovery_target_time both read.
        public var pgText: String {
            guard case .time(let date) = self else { return "latest" }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: date) + "+00"
        }
    }

    public struct Result: Sendable, Equatable {
        /// The set pgBackRest restored (it picks the newest that ended before the target).
        public let backupSet: String
        public let target: Target
        /// Where it was restored, and whether --delta was used.
        public let dataDirectory: String?
        public let delta: Bool
        /// pgBackRest's options, for the journal.
        public let options: [String]
        /// The set's first WAL segment, and the newest archived one when the restore began:
        /// recovery replays from the first towards the target, at most to the second.
        public let walStart: String?
        public let walStop: String?
        public let durationSeconds: Double
    }

    public let settings: PhysicalEngineSettings
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var cancellation: CancellationFlag?

    public init(settings: PhysicalEngineSettings) {
        self.settings = settings
    }

    /// pgBackRest's restore options for `target` over `dataDirectory` (nil: pgbackrest.conf's pg1-path).
    public static func options(target: Target, set: String?, dataDirectory: String?, override: Bool, delta: Bool)
        -> [String]
    {
        var options: [String] = []
        switch target {
        case .latest: options.append("--type=default")
        case .time: options += ["--type=time", "--target=\(target.pgText)", "--target-action=promote"]
        }
        if let set { options.append("--set=\(set)") }
        if override, let dataDirectory { options.append("--pg1-path=\(dataDirectory)") }
        if delta { options.append("--delta") }
        return options
    }

    /// Restores; `dataDirectory` overrides LIFEBOAT_PG_DATA (and pgbackrest.conf's pg1-path).
    public func run(target: Target, set: String? = nil, dataDirectory override: String? = nil) throws -> Result {
        let started = Date()
        let data = override ?? settings.dataDirectory
        if let data {
            let status = PostmasterStatus.read(dataDirectory: data)
            if status.isRunning {
                throw LifeboatError(
                    stage: "pgbackrest",
                    message:
                        "PostgreSQL is running on \(data) (pid \(status.pid ?? 0)): a physical restore replaces the whole data directory and cannot run under a live server",
                    hint:
                        "stop it first (the runbook's postgres.stop step, or pg_ctl -D \(data) -m fast stop as \(settings.runAs.user))",
                    category: .failed)
            }
        }
        let delta = data.map(Self.holdsFiles) ?? true
        let pgbackrest = PgBackRest(settings: settings, environment: environment)
        let stanza = try pgbackrest.info()
        let options = Self.options(
            target: target, set: set, dataDirectory: data, override: override != nil, delta: delta)
        let output = try pgbackrest.runChecked(
            "restore", options: options + ["--log-level-console=info"], cancellation: cancellation)
        let chosen =
            Self.restoredSet(in: output.stdout + "\n" + output.stderr)
            ?? set ?? Self.expectedSet(stanza, target: target)?.label ?? "unknown"
        let backup = stanza.backups.first { $0.label == chosen }
        return Result(
            backupSet: chosen, target: target, dataDirectory: data, delta: delta, options: options,
            walStart: backup?.walStart, walStop: stanza.currentArchive?.max,
            durationSeconds: Date().timeIntervalSince(started))
    }

    /// The set pgBackRest would pick: the newest that ended by the target (the latest for latest).
    public static func expectedSet(_ stanza: PgBackRestInfo.Stanza, target: Target) -> PgBackRestInfo.BackupSet? {
        guard case .time(let date) = target else { return stanza.newest() }
        return stanza.validBackups.filter { $0.finishedAt <= date }.max { $0.finishedAt < $1.finishedAt }
            ?? stanza.newest()
    }

    /// `INFO: repo1: restore backup set 20250101-120000F_20250101-130000D, recovery will start at …`.
    static func restoredSet(in output: String) -> String? {
        guard let range = output.range(of: "restore backup set ") else { return nil }
        let label = output[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return label.isEmpty ? nil : String(label)
    }

    /// A data directory with anything in it needs --delta; one we may not list is assumed full.
    static func holdsFiles(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return false
        }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return true }
        return !entries.isEmpty
    }
}
