import Foundation
import LifeboatPostgres

/// A PITR drill's recovery: `pgbackrest restore` into a fresh scratch folder (never the live
/// data directory), a temporary postmaster on a free port with archiving off, recovery waited
/// for until the cluster is promoted, then the achieved recovery point read back. Any failure
/// stops that postmaster and removes the folder (unless asked to keep it) before it is thrown.
public struct ScratchRecovery: Sendable {
    public enum Target: Sendable, Equatable {
        case time(Date)
        case latest
    }

    /// What the drill measured.
    public struct Outcome: Sendable {
        public let instance: ScratchInstance
        public let backupSet: String
        public let walStart: String?
        public let walStop: String?
        /// The last replayed transaction's commit time (pg_last_xact_replay_timestamp).
        public let recoveredTo: Date?
        /// The first transaction recovery left out, from the log.
        public let stoppedBefore: Date?
        /// From the start of the restore to the promoted, answering cluster (RTO of the restore).
        public let recoverySeconds: Double
        public let url: String
    }

    public let settings: PhysicalEngineSettings
    public let databaseURL: String?
    /// How long the restore and then the recovery may take, each.
    public var timeout: TimeInterval = 3600
    public var environment = ProcessInfo.processInfo.environment
    public var note: @Sendable (String) -> Void = { _ in }

    public init(settings: PhysicalEngineSettings, databaseURL: String?) {
        self.settings = settings
        self.databaseURL = databaseURL
    }

    /// Recovers `target` into `folder` (made here; one left by an earlier try is replaced).
    public func run(
        folder: String, target: Target, set: String? = nil, keepOnFailure: Bool = false,
        cancellation: CancellationFlag? = nil
    ) throws -> Outcome {
        try Self.refuseLive(folder, settings: settings)
        let started = Date()
        if FileManager.default.fileExists(atPath: folder) {
            guard ScratchInstance.isScratch(folder) else {
                throw LifeboatError(
                    stage: "drill", message: "\(folder) exists and is not a Lifeboat scratch folder",
                    hint: "remove it, or set LIFEBOAT_DRILL_SCRATCH_DIR to another folder")
            }
            Self.finish(folder: folder, keep: false, settings: settings)
        }
        var instance = ScratchInstance(folder: folder, port: try FreePort.pick())
        try prepare(instance)
        do {
            let label = try restore(instance, target: target, set: set, cancellation: cancellation)
            try configure(instance)
            instance = try startOnAFreePort(instance, cancellation: cancellation)
            return try measure(instance, label: label, started: started, cancellation: cancellation)
        } catch {
            Self.finish(folder: folder, keep: keepOnFailure, settings: settings)
            throw error
        }
    }

    /// A drill must never restore over the live data directory, nor around it.
    static func refuseLive(_ folder: String, settings: PhysicalEngineSettings) throws {
        guard let live = settings.dataDirectory else { return }
        let scratch = URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
        let data = URL(fileURLWithPath: live).standardizedFileURL.resolvingSymlinksInPath().path
        if scratch == data || scratch.hasPrefix(data + "/") || data.hasPrefix(scratch + "/") {
            throw LifeboatError(
                stage: "drill",
                message: "the drill's scratch folder \(folder) overlaps the live data directory \(live)",
                hint: "set LIFEBOAT_DRILL_SCRATCH_DIR to a folder outside LIFEBOAT_PG_DATA", category: .configuration)
        }
    }

    func prepare(_ instance: ScratchInstance) throws {
        let files = FileManager.default
        let parent = URL(fileURLWithPath: instance.folder).deletingLastPathComponent().path
        do {
            try files.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            for path in [instance.folder, instance.dataDirectory, instance.socketDirectory, instance.tablespaces] {
                try files.createDirectory(
                    atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
            guard
                files.createFile(
                    atPath: instance.folder + "/" + ScratchInstance.marker, contents: Data("lifeboat pitr drill\n".utf8)
                ),
                files.createFile(atPath: instance.logFile, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw LifeboatError(
                    stage: "pitr drill", message: "cannot create files in the scratch folder \(instance.folder)",
                    hint: "check that LIFEBOAT_DRILL_SCRATCH_DIR is writable and has free space")
            }
            for path in [
                instance.folder, instance.dataDirectory, instance.socketDirectory, instance.tablespaces,
                instance.logFile
            ] {
                try own(path)
            }
        } catch let error as LifeboatError {
            try? files.removeItem(atPath: instance.folder)
            throw error
        } catch {
            try? files.removeItem(atPath: instance.folder)
            throw LifeboatError(
                stage: "drill",
                message: "cannot make the scratch folder \(instance.folder): \(error.localizedDescription)",
                hint: "set LIFEBOAT_DRILL_SCRATCH_DIR to a folder Lifeboat can write")
        }
        // The postgres user must reach the folder: a state directory under /root would not do.
        let probe = try CapturedCommand(
            settings.runAs.wrap(["test", "-w", instance.dataDirectory]), environment: environment, timeout: 30
        )
        .run(stage: "drill")
        guard probe.succeeded else {
            try? files.removeItem(atPath: instance.folder)
            throw LifeboatError(
                stage: "drill",
                message: "\(settings.runAs.user) cannot write the scratch folder \(instance.dataDirectory)",
                hint: "every folder above it must be traversable by \(settings.runAs.user): let it through the "
                    + "state directory alone (chmod o+x LIFEBOAT_STATE_DIR; runs/ and locks/ stay private), or set "
                    + "LIFEBOAT_DRILL_SCRATCH_DIR to a folder it can reach (e.g. /var/lib/lifeboat-drills)",
                category: .configuration)
        }
    }

    /// Hands a path we made to the OS user PostgreSQL runs as.
    func own(_ path: String) throws {
        guard !settings.runAs.isCurrentUser, let entry = getpwnam(settings.runAs.user) else { return }
        try FileManager.default.setAttributes(
            [
                .ownerAccountID: NSNumber(value: entry.pointee.pw_uid),
                .groupOwnerAccountID: NSNumber(value: entry.pointee.pw_gid)
            ], ofItemAtPath: path)
    }

    /// `pgbackrest restore` into the scratch; returns the backup set it used.
    func restore(_ instance: ScratchInstance, target: Target, set: String?, cancellation: CancellationFlag?) throws
        -> String
    {
        var options = [
            "--pg1-path=\(instance.dataDirectory)", "--tablespace-map-all=\(instance.tablespaces)",
            "--log-level-console=info"
        ]
        switch target {
        case .time(let date):
            options += ["--type=time", "--target=\(Self.pgTime(date))", "--target-action=promote"]
        case .latest:
            options += ["--type=default"]
        }
        if let set { options.append("--set=\(set)") }
        note("restoring into \(instance.dataDirectory)")
        var pgbackrest = PgBackRest(settings: settings, environment: environment)
        pgbackrest.environment.removeValue(forKey: "PGBACKREST_DELTA")
        let output = try pgbackrest.runChecked(
            "restore", options: options, timeout: timeout, cancellation: cancellation)
        if let set { return set }
        return RecoveryLog.between(output.stdout + output.stderr, "restore backup set ", ",")
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The overrides, plus config files a packaged server keeps outside its data directory.
    func configure(_ instance: ScratchInstance) throws {
        let files = FileManager.default
        let conf = instance.dataDirectory + "/postgresql.conf"
        if let text = try? String(contentsOfFile: conf, encoding: .utf8) {
            let risky = Set(ScratchInstance.liveReferences(text))
            if !risky.isEmpty {
                let cleaned = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                    risky.contains(line.trimmingCharacters(in: .whitespaces))
                        ? "# lifeboat drill: " + line : String(line)
                }.joined(separator: "\n")
                try write(cleaned, to: conf)
            }
        } else {
            try write("# Lifeboat PITR drill: the live configuration lives outside the data directory\n", to: conf)
        }
        let hba = instance.dataDirectory + "/pg_hba.conf"
        if !files.fileExists(atPath: hba) {
            try write("host all all 127.0.0.1/32 scram-sha-256\nlocal all all peer\n", to: hba)
        }
        let ident = instance.dataDirectory + "/pg_ident.conf"
        if !files.fileExists(atPath: ident) { try write("", to: ident) }
        let auto = instance.dataDirectory + "/postgresql.auto.conf"
        let existing = (try? String(contentsOfFile: auto, encoding: .utf8)) ?? ""
        try write(existing + instance.overrides(), to: auto)
    }

    /// Writes a file in the restored data directory as its owner (`DataDirectoryFile`).
    func write(_ text: String, to path: String) throws {
        try DataDirectoryFile(path: path, owner: settings.runAs).write(text, environment: environment)
    }

    /// Starts the scratch postmaster; when its port was taken between the pick and the start
    /// (by anything on a busy host), moves it to another free port and tries again, a few times.
    func startOnAFreePort(_ first: ScratchInstance, cancellation: CancellationFlag?) throws -> ScratchInstance {
        var instance = first
        for attempt in 1...5 {
            do {
                try start(instance, cancellation: cancellation)
                return instance
            } catch let error as LifeboatError where attempt < 5 && portWasTaken(instance) {
                instance = ScratchInstance(folder: instance.folder, port: try FreePort.pick())
                note(
                    "port taken before the scratch postmaster could bind it (\(error.message.prefix(60))…); trying 127.0.0.1:\(instance.port)"
                )
                let auto = instance.dataDirectory + "/postgresql.auto.conf"
                let existing = (try? String(contentsOfFile: auto, encoding: .utf8)) ?? ""
                // The last setting of a name wins in postgresql.auto.conf.
                try write(existing + "port = '\(instance.port)'\n", to: auto)
            }
        }
        return instance
    }

    /// The scratch's log says its port was in use: the pick lost a race, the cluster is fine.
    private func portWasTaken(_ instance: ScratchInstance) -> Bool {
        ((try? String(contentsOfFile: instance.logFile, encoding: .utf8)) ?? "").contains("Address already in use")
    }

    func start(_ instance: ScratchInstance, cancellation: CancellationFlag?) throws {
        let pgCtl = try Self.pgCtl(settings)
        note("starting a scratch postmaster on 127.0.0.1:\(instance.port)")
        let argv = [
            pgCtl, "-D", instance.dataDirectory, "-l", instance.logFile, "-w", "-t", String(Int(timeout)), "start"
        ]
        // The postmaster must not inherit the socket by which Foundation sees pg_ctl exit.
        let wrapped = PostgresService.closingInheritedFiles(settings.runAs.wrap(argv))
        let output = try CapturedCommand(wrapped, environment: Self.withoutPG(environment), timeout: timeout + 30)
            .run(cancellation: cancellation, stage: "drill")
        guard output.succeeded else {
            throw failure("the scratch postmaster did not start (\(output.summary))", instance)
        }
    }

    /// Waits for promotion, then reads where recovery stopped.
    func measure(_ instance: ScratchInstance, label: String, started: Date, cancellation: CancellationFlag?) throws
        -> Outcome
    {
        let url = ScratchConnection.url(port: instance.port, configured: databaseURL)
        let conninfo = try ScratchConnection.conninfo(url, configured: databaseURL, trusting: [url])
        let deadline = Date().addingTimeInterval(timeout)
        var connection: Connection?
        while true {
            if cancellation?.isCancelled == true {
                throw LifeboatError(stage: "drill", message: "the drill was interrupted during recovery")
            }
            if !FileManager.default.fileExists(atPath: instance.dataDirectory + "/postmaster.pid") {
                throw failure("the scratch cluster stopped during recovery", instance)
            }
            if connection == nil { connection = try? Connection(conninfo, database: nil, connectTimeout: .seconds(5)) }
            if let connection, (try? connection.query("SELECT pg_is_in_recovery()").scalar) == "f" { break }
            if (try? connection?.query("SELECT 1")) == nil { connection = nil }
            guard Date() < deadline else { throw failure("recovery did not finish within \(Int(timeout))s", instance) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let recoverySeconds = Date().timeIntervalSince(started)
        guard let connection else { throw failure("lost the connection to the scratch cluster", instance) }
        defer { connection.close() }
        let log = RecoveryLog((try? String(contentsOfFile: instance.logFile, encoding: .utf8)) ?? "")
        let utc = #"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#
        var replayed = try? connection.query(
            "SELECT to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', \(utc))"
        ).scalar
        if replayed == nil, let text = log.lastCompleted {
            replayed = try? connection.query("SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', \(utc))", [text])
                .scalar
        }
        let stopped = log.stoppedBefore.flatMap {
            try? connection.query("SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', \(utc))", [$0]).scalar
        }
        let set = try? PgBackRest(settings: settings, environment: environment).info().backups.first {
            $0.label == label
        }
        return Outcome(
            instance: instance, backupSet: label, walStart: set?.walStart, walStop: log.lastSegment ?? set?.walStop,
            recoveredTo: replayed.flatMap(Self.parseUTC), stoppedBefore: stopped.flatMap(Self.parseUTC),
            recoverySeconds: recoverySeconds, url: url)
    }

    func failure(_ message: String, _ instance: ScratchInstance) -> LifeboatError {
        let text = (try? String(contentsOfFile: instance.logFile, encoding: .utf8)) ?? ""
        let log = RecoveryLog(text)
        let detail = log.fatal.last.map { ": \($0)" } ?? ""
        var hint =
            "the scratch cluster's log is \(instance.logFile) (kept with --keep); last lines:\n"
            + RecoveryLog.tail(text)
        if text.contains("recovery ended before configured recovery target was reached") {
            hint =
                "the archive holds no WAL up to the target time: check `lifeboat list` (point-in-time window) and that WAL "
                + "after the target was archived (SELECT pg_switch_wal())"
        }
        return LifeboatError(stage: "drill", message: message + detail, hint: hint)
    }

    /// Stops a scratch postmaster (if running) and removes its folder unless `keep`. Only
    /// folders carrying Lifeboat's marker are touched. Returns false when it could not stop it.
    @discardableResult
    public static func finish(folder: String, keep: Bool, settings: PhysicalEngineSettings) -> Bool {
        guard ScratchInstance.isScratch(folder) else { return true }
        let data = folder + "/pgdata"
        var stopped = true
        if FileManager.default.fileExists(atPath: data + "/postmaster.pid"), let pgCtl = try? pgCtl(settings) {
            let argv = settings.runAs.wrap([pgCtl, "-D", data, "-m", "fast", "-w", "-t", "120", "stop"])
            stopped =
                (try? CapturedCommand(argv, environment: withoutPG(ProcessInfo.processInfo.environment), timeout: 150)
                    .run(stage: "drill").succeeded) ?? false
            if !stopped, !FileManager.default.fileExists(atPath: data + "/postmaster.pid") { stopped = true }
        }
        if !keep && stopped { try? FileManager.default.removeItem(atPath: folder) }
        return stopped
    }

    static func pgCtl(_ settings: PhysicalEngineSettings) throws -> String {
        let bin: String? = if case .pgCtl(let bin) = settings.service { bin } else { nil }
        guard let path = PostgresServiceSettings.pgCtlPath(bin: bin) else {
            throw LifeboatError(
                stage: "drill",
                message: "pg_ctl was not found (LIFEBOAT_PG_BIN is not set and /usr/lib/postgresql has none)",
                hint: "set LIFEBOAT_PG_BIN to the server's bin folder (Debian: /usr/lib/postgresql/15/bin)",
                category: .configuration)
        }
        return path
    }

    /// pg_ctl must not pick up the live cluster's PGDATA, PGPORT or PGHOST.
    static func withoutPG(_ environment: [String: String]) -> [String: String] {
        environment.filter { !$0.key.hasPrefix("PG") || $0.key.hasPrefix("PGBACKREST_") }
    }

    /// recovery_target_time in a form both PostgreSQL and pgBackRest's backup-set selection read.
    public static func pgTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.string(from: date) + "+00"
    }

    public static func parseUTC(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
