import Foundation
import Testing
import LifeboatCore
import LifeboatReports
import LifeboatRunbooks

/// `lifeboat report` on real runs through the built binary: a completed scenario, a failed
/// one, a drill and a run killed mid-step each get Markdown, HTML and JSON reports; the JSON
/// follows docs/report.schema.json (checked with Python's jsonschema) and agrees with
/// `runbook status`; headless Chromium shows the HTML as a readable page.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ReportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let schema = repository.appendingPathComponent("docs/report.schema.json")

    struct Reports {
        let report: RunReport
        let markdown: String
        let html: String
        let htmlFile: URL
        let folder: ScratchFolder
    }

    /// The three reports of a run, written with --output, plus the JSON on stdout; the JSON
    /// is checked against the schema.
    static func reports(_ runID: String, _ environment: [String: String?]) throws -> Reports {
        let folder = try ScratchFolder()
        for format in ReportFormat.allCases {
            let file = folder.url.appendingPathComponent("report.\(format.rawValue)").path
            let result = try Command.lifeboat(
                ["report", runID, "--format", format.rawValue, "--output", file], environment: environment)
            try #require(result.succeeded, "report --format \(format.rawValue): \(result.stderr)")
            #expect(result.stdout.isEmpty, "--output writes nothing on stdout")
        }
        let json = folder.url.appendingPathComponent("report.json")
        try validate(json)
        let stdout = try Command.lifeboat(["report", runID, "--json"], environment: environment)
        try #require(stdout.succeeded, "\(stdout.stderr)")
        var fromStdout = try RunReport(json: Data(stdout.stdout.utf8))
        let report = try RunReport(json: Data(contentsOf: json))
        fromStdout.generatedAt = report.generatedAt
        #expect(fromStdout == report, "the same report on stdout and in the file")
        return Reports(
            report: report,
            markdown: try String(contentsOf: folder.url.appendingPathComponent("report.md"), encoding: .utf8),
            html: try String(contentsOf: folder.url.appendingPathComponent("report.html"), encoding: .utf8),
            htmlFile: folder.url.appendingPathComponent("report.html"), folder: folder)
    }

    /// Validates with Python's jsonschema, stricter than the published schema: keys the schema
    /// does not document are refused, so the schema cannot fall behind the code.
    static func validate(_ file: URL, against schema: URL = schema) throws {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            def strict(node):
                if isinstance(node, dict):
                    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
                        node["additionalProperties"] = False
                    for value in node.values(): strict(value)
                elif isinstance(node, list):
                    for value in node: strict(value)
            jsonschema.Draft202012Validator.check_schema(schema)
            strict(schema)
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            errors = list(validator.iter_errors(json.load(open(sys.argv[2]))))
            for error in errors: print("/".join(map(str, error.absolute_path)) + ": " + error.message)
            sys.exit(1 if errors else 0)
            """
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, schema.path, file.path])
        #expect(
            result.succeeded,
            "\(file.lastPathComponent) does not follow docs/\(schema.lastPathComponent):\n\(result.stdout)\(result.stderr)"
        )
    }

    /// `runbook status` and the JSON report tell the same story: the run's end and every
    /// step's status (a step the journal never saw end is "in progress" there, or "interrupted"
    /// when no process runs the run any more).
    static func expectAgreement(_ runID: String, _ report: RunReport, _ environment: [String: String?]) throws {
        let status = try Command.lifeboat(["runbook", "status", runID], environment: environment)
        try #require(status.succeeded, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        let head = try #require(lines.first)
        let runStatus = head.dropFirst("run \(runID): ".count).components(separatedBy: " — ").first
        if report.outcome == .interrupted {
            #expect(runStatus?.hasPrefix("interrupted: no process runs it") == true, "\(head)")
        } else {
            #expect(runStatus == report.outcome.rawValue, "\(head)")
        }
        let listed = lines.dropFirst().map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let id = trimmed.prefix { $0 != ":" }
            var rest = trimmed.dropFirst(id.count + 2)
            for end in [" after ", ",", " — "] {
                rest = rest.components(separatedBy: end).first.map { Substring($0) } ?? rest
            }
            return "\(id): \(rest)"
        }
        let reported = report.steps.map { step -> String in
            let unfinished =
                step.finishedAt == nil && [.interrupted, .awaitingApproval, .notStarted].contains(step.status)
            return
                "\(step.id): \(unfinished ? (report.outcome == .interrupted ? "interrupted" : "in progress") : step.status.rawValue)"
        }
        #expect(listed == reported)
    }

    static func runID(_ result: CommandResult, _ state: ScratchFolder) throws -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(json?["run_id"] as? String ?? RunbookScenarioTests.runIDs(state).first, "\(result.stderr)")
    }

    /// The HTML is one file that loads nothing.
    static func expectSelfContained(_ html: String) {
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains("<svg") && html.contains("@media print"))
    }

    @Test func completedScenarioRun() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path)
        let (backup, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt"], environment)
        try database.connect().query("DELETE FROM payment WHERE payment_id % 2 = 0")
        let run = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes", "--json"],
            environment: environment)
        try #require(run.succeeded, "\(run.stderr)")
        let runID = try Self.runID(run, state)

        let reports = try Self.reports(runID, environment)
        let report = reports.report
        #expect(report.runID == runID && report.outcome == .succeeded && !report.drill)
        #expect(report.scenario.name == "recent-corruption" && report.scenario.sha256?.count == 64)
        #expect(report.target == database.name && report.host == ProcessInfo.processInfo.hostName)
        #expect(report.steps.map(\.id) == ["pick", "prepare", "stop", "restore", "start", "health", "check"])
        #expect(
            report.steps.allSatisfy {
                $0.status == .succeeded && $0.attempts == 1 && $0.startedAt != nil && $0.finishedAt != nil
            })
        #expect(
            report.steps.map(\.action) == [
                "backup.select", "restore.database_prepare", "services.stop", "restore.database",
                "services.start", "services.health", "sql.check"
            ])
        let backupUsed = try #require(report.backup)
        #expect(
            backupUsed.name == backup.lastPathComponent && backupUsed.sha256 == manifest.sha256
                && backupUsed.bytes == manifest.fileBytes)
        #expect(backupUsed.source == "local" && backupUsed.type == "daily" && backupUsed.snapshotAt != nil)
        let gate = try #require(report.step("stop")?.approval)
        #expect(gate.approvedBy == "auto (--yes)" && gate.requestedAt != nil && gate.waitSeconds != nil)
        // The one restore is the proof of the backup: validated before the stop, in the report's validations.
        #expect(report.validations.map(\.step) == ["prepare", "check"])
        #expect(report.validations.first?.outputs["rows"] == String(manifest.totalRows))
        #expect(report.validations.allSatisfy { $0.status == .succeeded })
        #expect(report.measures.rtoSeconds.map { $0 > 0 && $0 < 600 } == true)
        #expect(report.measures.rpoSeconds.map { $0 >= 0 } == true)
        #expect(report.nextSteps.isEmpty && report.failedStep == nil && report.finishedAt != nil)

        #expect(reports.markdown.contains("| step | action | status | start | end | duration | attempts |"))
        #expect(reports.markdown.contains("| restore | restore.database | succeeded |"))
        #expect(reports.markdown.contains("| Name | \(backup.lastPathComponent) |"))
        Self.expectSelfContained(reports.html)
        #expect(reports.html.components(separatedBy: "<g class=\"step succeeded\">").count - 1 == 7)
        try Self.expectAgreement(runID, report, environment)
    }

    /// recent-corruption whose check finds nothing: the restore has swapped, the check fails.
    static func failedRun(_ database: ScratchDatabase, _ folder: ScratchFolder, _ state: ScratchFolder) throws -> (
        [String: String?], String
    ) {
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let run = try Command.lifeboat(
            [
                "runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes", "--json", "--input",
                "check_query=select 0"
            ],
            environment: environment)
        #expect(run.status == 1, "the check fails the run: \(run.stderr)")
        return (environment, try runID(run, state))
    }

    @Test func failedRun() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let (environment, runID) = try Self.failedRun(database, folder, state)

        let reports = try Self.reports(runID, environment)
        let report = reports.report
        #expect(report.outcome == .failed && report.failedStep == "check")
        #expect(report.outcomeMessage?.contains("step 'check' failed") == true, "\(report.outcomeMessage ?? "")")
        let check = try #require(report.step("check"))
        #expect(check.status == .failed && check.message?.contains("expected > 0") == true)
        #expect(report.validations.last?.step == "check" && report.validations.last?.status == .failed)
        #expect(
            report.step("start")?.status == .succeeded,
            "the application is started right after the swap, before the check")
        let kept = try #require(report.step("restore")?.outputs["kept_as"])
        #expect(kept.hasPrefix("\(database.name)_before_"))
        #expect(report.nextSteps.first?.contains("Read the error of step 'check' (sql.check)") == true)
        #expect(report.nextSteps.contains { $0.contains("lifeboat runbook resume \(runID) --retry-step") })
        #expect(
            report.nextSteps.contains { $0.contains("kept as \(kept)") && $0.contains("lifeboat restore --rollback") })
        #expect(report.measures.rtoSeconds != nil, "the restore validated the row counts before the check failed")

        #expect(reports.markdown.contains("## Next steps\n\n1. Read the error of step 'check'"))
        #expect(reports.markdown.contains("| check | sql.check | **failed** |"))
        Self.expectSelfContained(reports.html)
        #expect(
            reports.html.contains("<g class=\"step failed\">") && reports.html.contains("<section id=\"next-steps\">"))
        try Self.expectAgreement(runID, report, environment)
    }

    @Test func drill() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path)
        let (backup, _) = try BackupRoundTripTests.backup(["--type", "weekly", "--compress", "--encrypt"], environment)
        let drill = try Command.lifeboat(
            ["drill", "recent-corruption", "--input", "incident_time=latest", "--json", "--input", "backup_type=any"],
            environment: environment)
        try #require(drill.succeeded, "\(drill.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(drill.stdout.utf8)) as? [String: Any])
        let measured = try #require(result["measures"] as? [String: Any])
        let runID = try Self.runID(drill, state)

        let reports = try Self.reports(runID, environment)
        let report = reports.report
        #expect(report.drill && report.outcome == .succeeded)
        #expect(report.target?.hasPrefix("\(database.name)_drill_") == true)
        #expect(
            ["stop", "start", "health"].allSatisfy { report.step($0)?.status == .recorded },
            "services recorded, not run")
        #expect(report.backup?.name == backup.lastPathComponent)
        let rto = try #require(report.measures.rtoSeconds)
        let rpo = try #require(report.measures.rpoSeconds)
        // The drill measures from its clock, the report from the journal, whose times are whole seconds.
        #expect(abs(rto - (measured["rto_seconds"] as? Double ?? -1)) <= 1, "the report's RTO is the drill's")
        #expect(abs(rpo - (measured["rpo_seconds"] as? Double ?? -1)) <= 1, "the report's RPO is the drill's")
        #expect(reports.markdown.contains("| Kind | drill"))
        #expect(reports.markdown.contains("| RTO | ") && !reports.markdown.contains("| RTO | not reached"))
        #expect(reports.html.contains("Lifeboat run report · drill"))
        Self.expectSelfContained(reports.html)
        try Self.expectAgreement(runID, report, environment)
    }

    /// The run is killed with SIGKILL while its restore runs (a psql that sleeps first): the
    /// journal has the restore's start and nothing after, and the report says so.
    @Test func runKilledMidStep() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let tools = try ScratchFolder()
        let real = try TestEnvironment.pgBin + "/psql"
        let slow = tools.url.appendingPathComponent("psql").path
        try """
        #!/bin/bash
        if [ "${1:-}" = --version ]; then exec \(real) --version; fi
        if [[ "$PGDATABASE" == *_restore_* ]]; then exec \(real) "$@" -c "SELECT pg_sleep(60)" -f -; fi
        exec \(real) "$@"
        """.write(toFile: slow, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        environment["PSQL_PATH"] = slow
        environment["RESTORE_JOBS"] = "1"  // psql's path: the parallel one runs no psql to slow down

        let process = try Command.spawnLifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        var runID: String?
        var restoring = false
        for _ in 0..<600 where !restoring {
            usleep(100_000)
            runID = RunbookScenarioTests.runIDs(state).first
            if let runID, let events = try? RunbookRunTests.journal(state, runID) {
                restoring = events.contains { $0.kind == .stepStarted && $0.step == "prepare" }
            }
        }
        #expect(restoring, "the run reached the prepare step")
        #expect(try RunbookRunTests.waitForSleepingRestore(of: database), "the prepare step is building its copy")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let id = try #require(runID)

        let reports = try Self.reports(id, environment)
        let report = reports.report
        #expect(report.outcome == .interrupted && report.finishedAt == nil)
        #expect(report.interruptedSteps == ["prepare"])
        let prepare = try #require(report.step("prepare"))
        #expect(prepare.status == .interrupted && prepare.startedAt != nil && prepare.finishedAt == nil)
        #expect(report.step("pick")?.status == .succeeded)
        #expect(report.outcomeMessage?.contains("step 'prepare' started and never finished") == true)
        #expect(
            report.nextSteps.contains {
                $0.contains("lifeboat runbook resume \(id) --retry-step") && $0.contains("--skip-step")
            })
        #expect(reports.markdown.contains("| Interrupted step | prepare |"))
        #expect(reports.markdown.contains("| prepare | restore.database_prepare | **interrupted** |"))
        #expect(reports.html.contains("<g class=\"step interrupted\">"))
        Self.expectSelfContained(reports.html)
        try Self.expectAgreement(id, report, environment)
    }

    @Test func aMissingRunNamesTheStateFolder() throws {
        let state = try ScratchFolder()
        let result = try Command.lifeboat(
            ["report", "20250101t000000z-0000"], environment: ["LIFEBOAT_STATE_DIR": state.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no run 20250101t000000z-0000 in \(state.path)/runs"), "\(result.stderr)")
        #expect(result.stderr.contains("LIFEBOAT_STATE_DIR"))
    }
}

extension ReportTests {
    /// Headless Chromium renders a real run's HTML report; the picture must be a page with the
    /// timeline's colours. Locally it needs Chromium installed; under CI its absence is a failure.
    @Suite(.enabled(if: (TestEnvironment.isAvailable && HeadlessChromium.isInstalled) || TestEnvironment.isCI))
    struct Screenshot {
        @Test func htmlReportRendersInChromium() throws {
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            defer { RestoreTests.dropAll(like: "\(database.name)_%") }
            let (environment, runID) = try ReportTests.failedRun(database, folder, state)
            let reports = try ReportTests.reports(runID, environment)
            let png = reports.folder.url.appendingPathComponent("report.png")
            let script = ReportTests.repository.appendingPathComponent("scripts/report-screenshot").path
            let result = try Command.run(script, [reports.htmlFile.path, png.path, "#2e7d32", "#c62828"])
            #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
            #expect(
                result.status != 3, "Chromium is missing: run scripts/install-deps (it installs the chromium package)")
            #expect(FileManager.default.fileExists(atPath: png.path))
        }
    }
}

/// Whether scripts/report-screenshot will find a browser (it looks for the same names).
enum HeadlessChromium {
    static var isInstalled: Bool {
        let environment = ProcessInfo.processInfo.environment
        if let named = environment["CHROMIUM"] { return FileManager.default.isExecutableFile(atPath: named) }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        return ["chromium", "chromium-browser", "google-chrome"].contains { name in
            path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
    }
}
