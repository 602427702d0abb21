import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Issue 18's forged backup: a real Lifeboat dump with lines put before pg_dump's own
/// `\restrict` line (`\! touch`, `COMMIT;`, `CREATE ROLE … SUPERUSER LOGIN;` and the other
/// meta-command forms), as anyone who can write BACKUP_DIR or the bucket could plant it.
/// Every path that feeds a backup to psql must refuse it naming the line, with a non-zero
/// exit, no file created, no role created and the live database unchanged.
///
/// The matrix is cut for CI time: every variant × encoding × manifest goes through `verify`
/// (cheapest: a scratch database and one psql); the other paths (`restore --test-only`, the
/// default safe restore, `--in-place`, the recent-corruption and total-loss runbooks, legacy
/// date-only names) each take a representative few, since they all reach psql through the
/// same `SQLRestorer` that `verify` uses.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ForgedBackupTests {
    enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case issue = "\\! touch, COMMIT, CREATE ROLE before \\restrict"
        case withoutMeta = "COMMIT, CREATE ROLE without a meta-command"
        case connect = "\\c other_db"
        case copyToProgram = "\\copy … to program"
        case pipeOutput = "\\o |cmd"
        case setenv = "\\setenv"
        case include = "\\i FILE"
        case crlf = "CRLF line ends"
        case unendedCopy = "meta-command after a COPY block that never ends"
        case longLine = "10 MB line ending in a meta-command"
        case midLine = "SELECT 1; \\! touch (mid-line)"

        var testDescription: String { rawValue }

        /// The lines put before `\restrict`, the line refused and the command named.
        func forgery(marker: String, role: String, folder: URL) throws -> (lines: [String], line: Int, command: String)
        {
            let commitAndRole = ["COMMIT;", "CREATE ROLE \(role) SUPERUSER LOGIN;"]
            switch self {
            case .issue, .crlf: return (["\\! touch \(marker)"] + commitAndRole, 0, "\\!")
            // pg_dump's own `COMMIT;` line is dropped (see SQLGuard), so the role is refused.
            case .withoutMeta: return (commitAndRole, 1, "CREATE ROLE")
            case .connect: return (["\\c postgres"] + commitAndRole, 0, "\\c")
            case .copyToProgram:
                return (["\\copy (SELECT 1) to program 'touch \(marker)'"] + commitAndRole, 0, "\\copy")
            case .pipeOutput: return (["\\o |touch \(marker)", "SELECT 1;"] + commitAndRole, 0, "\\o")
            case .setenv: return (["\\setenv PAGER 'touch \(marker)'"] + commitAndRole, 0, "\\setenv")
            case .include:
                let included = folder.appendingPathComponent("included.sql")
                try Data("\\! touch \(marker)\nCREATE ROLE \(role) SUPERUSER LOGIN;\n".utf8).write(to: included)
                return (["\\i \(included.path)"] + commitAndRole, 0, "\\i")
            case .unendedCopy:
                return (
                    [
                        "COPY public.actor (actor_id, first_name, last_name, last_update) FROM stdin;",
                        "9001\tFORGED\tROW\t2022-02-15 09:34:33+00", "\\! touch \(marker)"
                    ] + commitAndRole, 2, "\\!"
                )
            case .longLine:
                return (
                    ["SELECT '" + String(repeating: "x", count: 10 << 20) + "'; \\! touch \(marker)"] + commitAndRole,
                    0, "\\!"
                )
            case .midLine: return (["SELECT 1; \\! touch \(marker)"] + commitAndRole, 0, "\\!")
            }
        }
    }

    enum Encoding: String, CaseIterable, Sendable {
        case sql = ".sql", gz = ".sql.gz", gpg = ".sql.gz.gpg"
    }

    /// One planted file, its marker path and role name, and what the refusal must name.
    struct Forged {
        let file: URL
        let marker: URL
        let role: String
        let line: Int
        let command: String

        /// `\! touch` of a CRLF file would create the name with a trailing `\r`.
        var markerCreated: Bool {
            FileManager.default.fileExists(atPath: marker.path)
                || FileManager.default.fileExists(atPath: marker.path + "\r")
        }

        func roleExists() throws -> Bool {
            try Connection(try TestEnvironment.adminURL).query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rows
                .count > 0
        }
    }

    /// A name of now: newest in its folder, and never "from the future".
    static func name(_ encoding: Encoding, legacy: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = legacy ? "yyyyMMdd" : "yyyyMMdd'T'HHmmss'Z'"
        return "backup_manual_\(formatter.string(from: Date()))\(encoding.rawValue)"
    }

    /// Builds the forged backup in `folder`: the fixture's plain dump with the variant's lines
    /// before `\restrict`, encoded as asked, with a manifest edited to match (hash, sizes).
    static func forge(
        _ variant: Variant, _ encoding: Encoding, manifest: Bool, into folder: ScratchFolder,
        legacy: Bool = false
    ) throws -> Forged {
        let fixture = try HostileFixture.get()
        let marker = folder.url.appendingPathComponent("pwned-\(UInt32.random(in: 0...UInt32.max))")
        let role = "lbt_forged_\(UInt32.random(in: 0...UInt32.max))"
        let plain = try String(contentsOf: fixture.folder.appendingPathComponent(fixture.plain), encoding: .utf8)
        var lines = plain.components(separatedBy: "\n")
        let restrict = try #require(
            lines.firstIndex { $0.hasPrefix("\\restrict ") }, "the fixture has pg_dump's \\restrict line")
        let forgery = try variant.forgery(marker: marker.path, role: role, folder: folder.url)
        lines.insert(contentsOf: forgery.lines, at: restrict)
        var text = lines.joined(separator: "\n")
        if variant == .crlf { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
        let sql = Data(text.utf8)

        let file = folder.url.appendingPathComponent(name(encoding, legacy: legacy))
        let plainFile = folder.url.appendingPathComponent("forged-plain.sql")
        try sql.write(to: plainFile)
        defer { try? FileManager.default.removeItem(at: plainFile) }
        switch encoding {
        case .sql:
            try FileManager.default.copyItem(at: plainFile, to: file)
        case .gz:
            let made = try Command.shell("gzip -c \(shellQuote(plainFile.path)) > \(shellQuote(file.path))")
            try #require(made.succeeded, "gzip: \(made.stderr)")
        case .gpg:
            // Anyone can encrypt to the public key: that proves nothing about who wrote the file.
            let made = try Command.shell(
                """
                gzip -c \(shellQuote(plainFile.path)) | gpg --batch --homedir \(shellQuote(try TestEnvironment.gnupgHome)) \
                --trust-model always --encrypt --recipient \(try TestEnvironment.gpgKey) > \(shellQuote(file.path))
                """)
            try #require(made.succeeded, "gpg --encrypt: \(made.stderr)")
        }
        if manifest {
            let real = encoding == .sql ? fixture.plain : encoding == .gz ? fixture.compressed : fixture.encrypted
            let manifestURL = URL(fileURLWithPath: file.path + ".manifest.json")
            try FileManager.default.copyItem(
                at: fixture.folder.appendingPathComponent(real + ".manifest.json"), to: manifestURL)
            let bytes = try Data(contentsOf: file)
            try Hostile.editManifest(file) { object in
                object["file_name"] = file.lastPathComponent
                object["sha256"] = Hostile.sha256(bytes)
                object["file_bytes"] = bytes.count
                object["dump_bytes"] = sql.count
                object["verification"] = nil
            }
        }
        return Forged(
            file: file, marker: marker, role: role, line: restrict + 1 + forgery.line, command: forgery.command)
    }

    /// The checks every refusal must pass, whatever the path.
    static func expectRefused(
        _ result: CommandResult, _ forged: Forged, live: ScratchDatabase,
        before: [String: String], check: CaseCheck
    ) throws {
        check.expect(result.status != 0, "exit status is non-zero: \(result.stderr)")
        check.expect(
            result.stderr.contains("line \(forged.line) "), "the message names line \(forged.line): \(result.stderr)")
        check.expect(result.stderr.contains(forged.command), "the message names \(forged.command): \(result.stderr)")
        check.expect(!forged.markerCreated, "no file was created by the planted command")
        check.expect(!(try forged.roleExists()), "no role \(forged.role) was created")
        check.expect(
            try live.connect().query("SELECT v FROM forged_marker").scalar == "live",
            "the live marker row is still there")
        check.expect(try RestoreTests.checksums(live) == before, "the live database is unchanged")
    }

    /// A live database with a marker row that no backup holds.
    static func liveDatabase() throws -> ScratchDatabase {
        let live = try ScratchDatabase()
        try live.connect().query("CREATE TABLE forged_marker (v text); INSERT INTO forged_marker VALUES ('live')")
        return live
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let variant: Variant
        let encoding: Encoding
        let manifest: Bool
        var testDescription: String {
            "\(variant.rawValue) as \(encoding.rawValue)\(manifest ? " with a manifest" : "")"
        }
    }

    static let verifyMatrix: [Case] = Variant.allCases.flatMap { variant in
        Encoding.allCases.flatMap { encoding in
            [true, false].map { Case(variant: variant, encoding: encoding, manifest: $0) }
        }
    }

    @Test(arguments: verifyMatrix)
    func verifyRefusesTheForgery(_ forgedCase: Case) throws {
        try ReliabilityLog.run(.hostile, "forged backup, verify: \(forgedCase.testDescription)") { check in
            let live = try Self.liveDatabase()
            let folder = try ScratchFolder()
            let forged = try Self.forge(
                forgedCase.variant, forgedCase.encoding, manifest: forgedCase.manifest, into: folder)
            let before = try RestoreTests.checksums(live)
            let result = try Hostile.verify([forged.file.path], try Hostile.environment(live, folder), check: check)
            check.expect(result.status == 3, "exit 3 (a bad backup): \(result.status) \(result.stderr)")
            check.expect(result.stderr.contains("is BAD"), "the verdict says BAD: \(result.stderr)")
            try Self.expectRefused(result, forged, live: live, before: before, check: check)
        }
    }

    /// Representative cases through each restore mode (the modes share SQLRestorer with verify).
    static let restoreMatrix: [(String, Case)] = [
        ("--test-only", Case(variant: .issue, encoding: .gpg, manifest: true)),
        ("--test-only", Case(variant: .midLine, encoding: .sql, manifest: false)),
        ("safe", Case(variant: .issue, encoding: .gpg, manifest: true)),
        ("safe", Case(variant: .withoutMeta, encoding: .gz, manifest: false)),
        ("safe", Case(variant: .unendedCopy, encoding: .sql, manifest: true)),
        ("--in-place", Case(variant: .issue, encoding: .gpg, manifest: true)),
        ("--in-place", Case(variant: .withoutMeta, encoding: .sql, manifest: false)),
        ("--in-place", Case(variant: .longLine, encoding: .gz, manifest: true))
    ]

    @Test(arguments: restoreMatrix)
    func restoreRefusesTheForgeryAndLeavesTheLiveDatabase(_ mode: String, _ forgedCase: Case) throws {
        try ReliabilityLog.run(.hostile, "forged backup, restore \(mode): \(forgedCase.testDescription)") { check in
            let live = try Self.liveDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let forged = try Self.forge(
                forgedCase.variant, forgedCase.encoding, manifest: forgedCase.manifest, into: folder)
            let before = try RestoreTests.checksums(live)
            var arguments = ["restore", "--backup-file", forged.file.path, "--force"]
            if mode != "safe" { arguments.append(mode) }
            let result = try Command.lifeboat(arguments, environment: try Hostile.environment(live, folder))
            check.expect(result.status == 3, "exit 3 (a bad backup): \(result.status) \(result.stderr)")
            try Self.expectRefused(result, forged, live: live, before: before, check: check)
            check.expect(
                try RestoreTests.databases(like: "\(live.name)_%").isEmpty, "no scratch or kept database is left")
        }
    }

    /// Legacy seed files (a date and no manifest) go through the same guard.
    @Test(arguments: Encoding.allCases)
    func legacyDateOnlyFilesAreGuardedToo(_ encoding: Encoding) throws {
        try ReliabilityLog.run(
            .hostile, "forged backup, legacy date-only \(encoding.rawValue): verify and restore --test-only"
        ) { check in
            let live = try Self.liveDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let forged = try Self.forge(.issue, encoding, manifest: false, into: folder, legacy: true)
            check.expect(
                BackupName(fileName: forged.file.lastPathComponent) != nil,
                "\(forged.file.lastPathComponent) reads as a backup name")
            let before = try RestoreTests.checksums(live)
            let environment = try Hostile.environment(live, folder)
            try Self.expectRefused(
                try Hostile.verify([forged.file.path], environment, check: check), forged, live: live, before: before,
                check: check)
            let restore = try Command.lifeboat(
                ["restore", "--backup-file", forged.file.path, "--force", "--test-only"], environment: environment)
            try Self.expectRefused(restore, forged, live: live, before: before, check: check)
        }
    }

    /// The guard must not refuse what pg_dump writes: large objects come in a `BEGIN;` …
    /// `COMMIT;` block, which the guard drops so the restore stays one transaction.
    @Test func aDumpWithLargeObjectsStillVerifiesAndRestores() throws {
        let live = try ScratchDatabase()
        defer { RestoreTests.dropAll(like: "\(live.name)_%") }
        let folder = try ScratchFolder()
        try live.connect().query("SELECT lo_from_bytea(0, 'hello'::bytea); SELECT lo_from_bytea(0, 'world'::bytea)")
        let environment = try Hostile.environment(live, folder)
        let (file, _) = try BackupRoundTripTests.backup(["--type", "manual", "--compress", "--no-encrypt"], environment)
        let verify = try Command.lifeboat(["verify", file.path], environment: environment)
        #expect(verify.status == 0, "\(verify.stderr)")
        try live.connect().query("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
        let restore = try Command.lifeboat(["restore", "--backup-file", file.path, "--force"], environment: environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(
            try live.connect().query(
                "SELECT string_agg(convert_from(lo_get(oid), 'UTF8'), ',' ORDER BY oid) FROM pg_largeobject_metadata"
            ).scalar
                == "hello,world")
    }

    /// recent-corruption picks the newest local backup: the forged one; its prepare step refuses it.
    @Test func recentCorruptionRunbookRefusesTheForgery() throws {
        try ReliabilityLog.run(.hostile, "forged backup, runbook recent-corruption") { check in
            let live = try Self.liveDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            let log = folder.url.appendingPathComponent("services.log").path
            let environment = try RunbookRunTests.environment(live, folder, state: state, log: log)
            let forged = try Self.forge(.issue, .gpg, manifest: true, into: folder)
            let before = try RestoreTests.checksums(live)
            let result = try Command.lifeboat(
                [
                    "runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--input",
                    "backup_type=any", "--yes"
                ],
                environment: environment)
            try Self.expectRefused(result, forged, live: live, before: before, check: check)
            check.expect(!RunbookScenarioTests.log(log).contains("stop"), "the application was never stopped")
        }
    }

    /// total-loss fetches the newest backup from the bucket: the planted one; nothing runs.
    @Test func totalLossRunbookRefusesTheForgeryFromTheBucket() throws {
        try ReliabilityLog.run(.hostile, "forged backup, runbook total-loss from the bucket") { check in
            let live = try Self.liveDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            let planted = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            let log = folder.url.appendingPathComponent("services.log").path
            let environment = try RunbookRunTests.environment(live, folder, state: state, log: log, bucket: bucket)
            let forged = try Self.forge(.issue, .gpg, manifest: true, into: planted)
            for path in [forged.file.path, forged.file.path + ".manifest.json"] {
                let name = URL(fileURLWithPath: path).lastPathComponent
                let put = try CloudTests.aws(["s3", "cp", path, "s3://\(bucket)/backups/\(name)"])
                try #require(put.succeeded, "aws s3 cp: \(put.stderr)")
            }
            let before = try RestoreTests.checksums(live)
            let result = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
            try Self.expectRefused(result, forged, live: live, before: before, check: check)
            check.expect(!RunbookScenarioTests.log(log).contains("stop"), "the application was never stopped")
        }
    }
}
