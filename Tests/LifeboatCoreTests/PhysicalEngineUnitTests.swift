import Foundation
import Testing
@testable import LifeboatCore

/// The physical engine's pure parts: `pgbackrest info --output=json` decoding (fixtures
/// captured from pgBackRest 2.45 in Tests/Fixtures/pgbackrest), pgBackRest's error lines, the
/// archive verdicts, the WAL window, the configuration and the scheduled jobs.
struct PhysicalEngineUnitTests {
    static func fixture(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pgbackrest/\(name)")
        return try Data(contentsOf: url)
    }

    static func settings(
        stanza: String = "lifeboat", config: String? = "/etc/pgbackrest/pgbackrest.conf",
        data: String? = nil, walMaxAge: TimeInterval = 900
    ) -> PhysicalEngineSettings {
        // Ourselves, so no runuser prefix appears in hints.
        PhysicalEngineSettings(
            stanza: stanza, configPath: config, dataDirectory: data, runAs: RunAsUser(user: RunAsUser.currentUser),
            walMaxAge: walMaxAge)
    }

    static func configuration(_ values: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: values, environmentFile: "/dev/null")
    }

    // MARK: info JSON

    @Test func decodesAFullAndADiffBackup() throws {
        let info = try PgBackRestInfo.decode(try Self.fixture("info-full-diff.json"))
        let stanza = try #require(info.stanza("lifeboat"))
        #expect(stanza.status == PgBackRestInfo.Status(code: 0, message: "ok"))
        #expect(stanza.isReadable)
        #expect(stanza.backups.count == 2)

        let full = stanza.backups[0]
        #expect(full.label == "20261125-171140F")
        #expect(full.kind == .full)
        #expect(full.startedAt == Date(timeIntervalSince1970: 1_795_626_700))
        #expect(full.finishedAt == Date(timeIntervalSince1970: 1_795_626_703))
        #expect(full.databaseBytes == 22_987_954)
        #expect(full.deltaBytes == 22_987_954)
        #expect(full.repositoryBytes == 3_042_076)
        #expect(full.repositoryDeltaBytes == 3_042_076)
        #expect(full.walStart == "000000010000000000000002")
        #expect(full.walStop == "000000010000000000000003")
        #expect(full.lsnStart == "0/2000028")
        #expect(full.prior == nil)
        #expect(full.pgVersion == "15")
        #expect(!full.error)

        let diff = stanza.backups[1]
        #expect(diff.label == "20261125-171140F_20261125-171144D")
        #expect(diff.kind == .diff)
        #expect(diff.prior == full.label)
        #expect(diff.repositoryDeltaBytes == 167_065)
        #expect(diff.walStart == "000000010000000000000005")

        #expect(stanza.newest()?.label == diff.label)
        #expect(stanza.newest([.full])?.label == full.label)
        #expect(stanza.newest([.incr]) == nil)
        #expect(
            stanza.currentArchive
                == PgBackRestInfo.ArchiveRange(
                    id: "15-1", min: "000000010000000000000001",
                    max: "000000010000000000000005", pgVersion: "15"))
    }

    @Test func aStanzaWithoutBackupsIsReadableAndEmpty() throws {
        let stanza = try #require(
            try PgBackRestInfo.decode(try Self.fixture("info-no-backups.json")).stanza("lifeboat"))
        #expect(stanza.status.code == 2)
        #expect(stanza.isReadable)
        #expect(stanza.backups.isEmpty)
        #expect(stanza.newest() == nil)
        #expect(stanza.currentArchive?.min == nil && stanza.currentArchive?.max == nil)
        let window = WALWindow(stanza: stanza, lastArchivedTime: Date())
        #expect(window.from == nil && window.to == nil, "no backup: nothing to replay WAL onto")
    }

    @Test func aMissingStanzaIsAConfigurationErrorThatSaysHowToCreateIt() throws {
        let stanza = try #require(try PgBackRestInfo.decode(try Self.fixture("info-missing-stanza.json")).stanzas.first)
        #expect(stanza.name == "nosuch")
        #expect(!stanza.isReadable)
        let error = PgBackRest(settings: Self.settings(stanza: "nosuch")).stanzaProblem(stanza.status)
        #expect(error.category == .configuration)
        #expect(error.message.contains("stanza 'nosuch'"))
        #expect(error.message.contains("missing stanza path"))
        #expect(error.hint?.contains("stanza-create") == true)
        #expect(error.hint?.contains("--stanza=nosuch") == true)
    }

    @Test func outputThatIsNotInfoJSONIsAnErrorShowingItsStart() throws {
        #expect {
            _ = try PgBackRestInfo.decode(Data("stanza: lifeboat\n    status: ok".utf8))
        } throws: { error in
            let error = error as? LifeboatError
            return error?.stage == "pgbackrest" && error?.message.contains("stanza: lifeboat") == true
        }
    }

    @Test func theWALWindowRunsFromTheOldestBackupsEndToTheLastArchivedWAL() throws {
        let stanza = try #require(try PgBackRestInfo.decode(try Self.fixture("info-full-diff.json")).stanza("lifeboat"))
        let archived = Date(timeIntervalSince1970: 1_795_630_000)
        let window = WALWindow(stanza: stanza, lastArchivedTime: archived)
        #expect(
            window.from == Date(timeIntervalSince1970: 1_795_626_703),
            "a target before the full backup became consistent cannot be reached")
        #expect(window.to == archived)
        #expect(window.oldestBackup == "20261125-171140F")
        #expect(window.archiveMax == "000000010000000000000005")
        #expect(window.contains(Date(timeIntervalSince1970: 1_795_628_000)))
        #expect(!window.contains(Date(timeIntervalSince1970: 1_795_626_701)))
        #expect(!window.contains(archived.addingTimeInterval(1)))
    }

    // MARK: pgBackRest's errors

    @Test func parsesPgBackRestsErrorAndHintLines() {
        let message = PgBackRestMessage.parse(
            """
            WARN: something harmless
            ERROR: [037]: check command requires option: pg1-path
                   HINT: does this stanza exist?
            """)
        #expect(
            message
                == PgBackRestMessage(
                    code: 37, text: "check command requires option: pg1-path", hint: "does this stanza exist?"))
        #expect(PgBackRestMessage.parse("no error here") == nil)
    }

    @Test func knownFailuresGetHintsThatSayWhatToDo() {
        let pgbackrest = PgBackRest(settings: Self.settings(stanza: "nosuch"))
        func failure(_ stderr: String, status: Int32) -> LifeboatError {
            pgbackrest.failure(
                "check",
                CapturedCommand.Output(
                    command: [], exitStatus: status, signal: nil, timedOut: false, cancelled: false,
                    stdout: "", stderr: stderr))
        }
        let noStanza = failure(
            "ERROR: [037]: check command requires option: pg1-path\n       HINT: does this stanza exist?\n", status: 37)
        #expect(noStanza.category == .configuration)
        #expect(
            noStanza.message.contains(
                "pgbackrest check failed (exit status 37) [037]: check command requires option: pg1-path"))
        #expect(noStanza.hint?.contains("no [nosuch] section") == true)
        #expect(noStanza.hint?.contains("does this stanza exist?") == true, "pgBackRest's own hint is kept")

        let archive = failure("ERROR: [068]: archive_command 'false' must contain pgbackrest\n", status: 68)
        #expect(
            archive.hint?.contains(
                "pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=nosuch archive-push %p") == true)

        let notCreated = failure(
            """
            ERROR: [055]: unable to load info file '/repo/backup/nosuch/backup.info' or '/repo/backup/nosuch/backup.info.copy':
                   FileMissingError: unable to open missing file '/repo/backup/nosuch/backup.info' for read
                   HINT: backup.info cannot be opened and is required to perform a backup.
                   HINT: has a stanza-create been performed?
            """, status: 55)
        #expect(notCreated.hint?.contains("stanza-create") == true)
        #expect(notCreated.category == .configuration)

        let unknown = failure("ERROR: [099]: something new\n", status: 99)
        #expect(unknown.hint?.contains("by hand") == true)
        #expect(unknown.category == .failed)
    }

    // MARK: archive verdicts

    static func healthy() -> ArchiverStatus {
        var status = ArchiverStatus()
        status.archiveMode = "on"
        status.archiveCommand = "pgbackrest --stanza=lifeboat archive-push %p"
        status.walLevel = "replica"
        status.archiveTimeoutSeconds = 60
        status.serverTime = Date(timeIntervalSince1970: 1_000_000)
        status.archivedCount = 10
        status.lastArchivedWAL = "000000010000000000000009"
        status.lastArchivedTime = status.serverTime.addingTimeInterval(-30)
        status.readyCount = 0
        return status
    }

    static func finding(_ findings: [EngineFinding], _ check: String) -> EngineFinding? {
        findings.first { $0.check == check }
    }

    @Test func aHealthyArchiveHasNoProblems() {
        let findings = ArchiveFindings.assess(Self.healthy(), settings: Self.settings())
        #expect(findings.filter(\.isProblem).isEmpty, "\(findings)")
        #expect(Self.finding(findings, "wal archive")?.message.contains("fresh") == true)
        #expect(Self.finding(findings, "archive_timeout") == nil)
    }

    @Test func aFailingArchiveCommandIsReportedWithTheSegmentAndWhatToDo() {
        var status = Self.healthy()
        status.archiveCommand = "false"
        status.failedCount = 3
        status.lastFailedWAL = "00000001000000000000000A"
        status.lastFailedTime = status.serverTime.addingTimeInterval(-5)
        #expect(status.isFailing)
        let findings = ArchiveFindings.assess(status, settings: Self.settings())
        let command = Self.finding(findings, "archive_command")
        #expect(command?.level == .failed)
        #expect(command?.message == "archive_command is 'false', which does not push WAL to pgBackRest")
        #expect(
            command?.hint?.contains(
                "ALTER SYSTEM SET archive_command = 'pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=lifeboat archive-push %p'"
            ) == true)
        let wal = Self.finding(findings, "wal archive")
        #expect(wal?.level == .failed)
        #expect(
            wal?.message.contains(
                "archive_command is failing: WAL segment 00000001000000000000000A could not be archived") == true)
        #expect(wal?.message.contains("3 failures counted") == true)
        #expect(wal?.hint?.contains("archive command failed") == true)
    }

    @Test func aFailureOlderThanTheLastSuccessIsHistoryNotAProblem() {
        var status = Self.healthy()
        status.failedCount = 1
        status.lastFailedWAL = "000000010000000000000005"
        status.lastFailedTime = status.lastArchivedTime!.addingTimeInterval(-600)
        #expect(!status.isFailing)
        #expect(ArchiveFindings.assess(status, settings: Self.settings()).filter(\.isProblem).isEmpty)
    }

    @Test func segmentsWaitingLongerThanTheMaximumAgeMakeTheArchiveStale() {
        var status = Self.healthy()
        status.readyCount = 4
        status.oldestReadySince = status.serverTime.addingTimeInterval(-1200)
        let stale = Self.finding(ArchiveFindings.assess(status, settings: Self.settings(walMaxAge: 900)), "wal archive")
        #expect(stale?.level == .failed)
        #expect(
            stale?.message.contains(
                "WAL archive is stale: 4 finished segments wait to be archived, the oldest for 20m (LIFEBOAT_WAL_MAX_AGE is 15m)"
            ) == true)
        #expect(
            Self.finding(ArchiveFindings.assess(status, settings: Self.settings(walMaxAge: 3600)), "wal archive")?.level
                == .ok)
    }

    @Test func withoutTheStatusFolderAnOldLastArchiveIsOnlyAWarning() {
        var status = Self.healthy()
        status.readyCount = nil
        status.lastArchivedTime = status.serverTime.addingTimeInterval(-7200)
        let finding = Self.finding(ArchiveFindings.assess(status, settings: Self.settings()), "wal archive")
        #expect(finding?.level == .warning)
        #expect(finding?.message.contains("no WAL archived for 2h") == true)
    }

    @Test func settingsThatPreventArchivingAreProblems() {
        var status = Self.healthy()
        status.archiveMode = "off"
        status.archiveCommand = ""
        status.archiveTimeoutSeconds = 0
        let findings = ArchiveFindings.assess(status, settings: Self.settings())
        #expect(Self.finding(findings, "archive_mode")?.level == .failed)
        #expect(Self.finding(findings, "archive_mode")?.hint?.contains("restart") == true)
        #expect(Self.finding(findings, "archive_command")?.message == "archive_command is empty: WAL is not archived")

        status = Self.healthy()
        status.archiveCommand = "pgbackrest --stanza=other archive-push %p"
        status.archiveTimeoutSeconds = 0
        status.dataDirectory = "/var/lib/postgresql/15/main"
        let mismatched = ArchiveFindings.assess(status, settings: Self.settings(data: "/srv/pg"))
        #expect(
            Self.finding(mismatched, "archive_command")?.message
                == "archive_command pushes to stanza 'other', not to PGBACKREST_STANZA 'lifeboat'")
        #expect(Self.finding(mismatched, "archive_timeout")?.level == .warning)
        #expect(Self.finding(mismatched, "data_directory")?.level == .failed)
    }

    @Test(arguments: [
        ("900", 900.0), ("90s", 90), ("15m", 900), ("1h", 3600), ("1.5h", 5400), ("1d", 86400), ("250ms", 0.25)
    ])
    func walMaxAgeAcceptsSecondsAndUnits(text: String, seconds: Double) {
        #expect(PhysicalEngineSettings.parseDuration(text) == seconds)
    }

    // MARK: configuration

    @Test func theEngineIsOffByDefault() async throws {
        let configuration = try await Self.configuration([:])
        #expect(try PhysicalEngineSettings.configured(configuration) == nil)
        #expect {
            _ = try PhysicalEngineSettings.required(configuration, for: "lifeboat engine check")
        } throws: { ($0 as? LifeboatError)?.message.contains("LIFEBOAT_PHYSICAL_ENGINE is off") == true }
    }

    @Test func aConfiguredEngineReadsEveryKey() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-pgbr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let conf = folder.appendingPathComponent("pgbackrest.conf").path
        try "[global]\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let settings = try #require(
            try PhysicalEngineSettings.configured(
                try await Self.configuration([
                    "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "PGBACKREST_CONFIG": conf,
                    "LIFEBOAT_PG_DATA": "/var/lib/postgresql/15/main", "LIFEBOAT_PG_USER": RunAsUser.currentUser,
                    "LIFEBOAT_WAL_MAX_AGE": "5m", "LIFEBOAT_PG_SERVICE": "systemd",
                    "LIFEBOAT_PG_SYSTEMD_UNIT": "postgresql@15-main"
                ])))
        #expect(settings.stanza == "main")
        #expect(settings.configPath == conf)
        #expect(settings.binary == "pgbackrest")
        #expect(settings.dataDirectory == "/var/lib/postgresql/15/main")
        #expect(settings.walMaxAge == 300)
        #expect(settings.service == .systemd(unit: "postgresql@15-main"))
        #expect(settings.runAs.isCurrentUser)
        #expect(settings.runAs.wrap(["pgbackrest", "info"]) == ["pgbackrest", "info"])
    }

    @Test(arguments: [
        (["LIFEBOAT_PHYSICAL_ENGINE": "barman"], "LIFEBOAT_PHYSICAL_ENGINE is 'barman'"),
        (["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest"], "PGBACKREST_STANZA is not set"),
        (["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "a b"], "PGBACKREST_STANZA is 'a b'"),
        (
            [
                "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main",
                "PGBACKREST_CONFIG": "/nonexistent/pgbackrest.conf"
            ],
            "PGBACKREST_CONFIG is '/nonexistent/pgbackrest.conf', which is not a file"
        ),
        (
            ["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_PG_DATA": "relative/dir"],
            "LIFEBOAT_PG_DATA is 'relative/dir'"
        ),
        (
            ["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_WAL_MAX_AGE": "soon"],
            "LIFEBOAT_WAL_MAX_AGE is 'soon'"
        ),
        (
            [
                "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main",
                "LIFEBOAT_PG_USER": "no-such-user-here"
            ],
            "LIFEBOAT_PG_USER is 'no-such-user-here', which is not a user"
        ),
        (
            ["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_PG_SERVICE": "systemd"],
            "LIFEBOAT_PG_SYSTEMD_UNIT is not set"
        ),
        (
            [
                "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_PG_SERVICE": "command",
                "LIFEBOAT_PG_STOP_COMMAND": "x"
            ], "LIFEBOAT_PG_START_COMMAND is not set"
        ),
        (
            ["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_PG_SERVICE": "docker"],
            "LIFEBOAT_PG_SERVICE is 'docker'"
        ),
        (
            ["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main", "LIFEBOAT_PG_BIN": "/nonexistent"],
            "LIFEBOAT_PG_BIN is '/nonexistent'"
        )
    ])
    func badValuesAreConfigurationErrors(values: [String: String], message: String) async throws {
        let configuration = try await Self.configuration(values)
        #expect {
            _ = try PhysicalEngineSettings.configured(configuration)
        } throws: { error in
            let error = error as? LifeboatError
            return error?.category == .configuration && error?.message.contains(message) == true && error?.hint != nil
        }
    }

    // MARK: schedule

    @Test func physicalSchedulesBecomeJobsOfTheSameWorker() async throws {
        let jobs = try ScheduledJob.configured(
            try await Self.configuration([
                "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main",
                "LIFEBOAT_PG_USER": RunAsUser.currentUser,
                "BACKUP_PHYSICAL_FULL_SCHEDULE": "0 1 * * 0", "BACKUP_PHYSICAL_DIFF_SCHEDULE": "0 1 * * 1-6"
            ]))
        let full = try #require(jobs.first { $0.name == "database-backup-physical-full" })
        #expect(full.arguments == ["backup", "--engine", "physical", "--kind", "full"])
        #expect(full.schedule.text == "0 1 * * 0")
        #expect(full.queue == "maintenance")
        #expect(jobs.first { $0.name == "database-backup-physical-diff" }?.arguments.last == "diff")
        #expect(!jobs.contains { $0.name == "database-backup-physical-incr" }, "off unless scheduled")

        let none = try ScheduledJob.configured(try await Self.configuration([:]))
        #expect(!none.contains { $0.name.contains("physical") })
    }

    @Test func aPhysicalScheduleWithoutTheEngineIsAConfigurationError() async throws {
        let configuration = try await Self.configuration(["BACKUP_PHYSICAL_FULL_SCHEDULE": "0 1 * * 0"])
        #expect {
            _ = try ScheduledJob.configured(configuration)
        } throws: {
            ($0 as? LifeboatError)?.message.contains(
                "BACKUP_PHYSICAL_FULL_SCHEDULE is set but LIFEBOAT_PHYSICAL_ENGINE is off") == true
        }
    }

    @Test func aFullBackupServesEveryKindsSlot() {
        #expect(PhysicalBackupKind.full.satisfiedBy == [.full])
        #expect(PhysicalBackupKind.diff.satisfiedBy == [.full, .diff])
        #expect(PhysicalBackupKind.incr.satisfiedBy == [.full, .diff, .incr])
    }
}
