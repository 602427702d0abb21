import ArgumentParser
import Foundation
import LifeboatCore

struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "The physical engine (pgBackRest): check that it can protect the cluster.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check pgBackRest, the stanza, archive_mode/archive_command and the freshness of the WAL archive.",
            discussion: """
                Runs `pgbackrest info` and `pgbackrest check` for PGBACKREST_STANZA as LIFEBOAT_PG_USER, and reads \
                archive_mode, archive_command and pg_stat_archiver from the server DATABASE_URL reaches. \
                Every problem is listed with what to do; the exit code is 0 when nothing failed, 1 when \
                something did, 2 for a configuration error. Warnings (e.g. archive_timeout = 0) do not fail it.

                Examples:
                  lifeboat engine check
                  lifeboat engine check --json | jq '.findings[] | select(.level == "failed")'
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let settings = try PhysicalEngineSettings.required(configuration, for: "lifeboat engine check")
                return EngineCheck(configuration: configuration, settings: settings).run()
            }
            if global.json {
                try Terminal.printJSON(report)
            } else {
                print(Self.render(report), terminator: "")
            }
            if !report.passed { throw CommandVerdict(.failed) }
        }

        static func render(_ report: EngineCheck.Report) -> String {
            var lines = [
                "engine check: pgBackRest stanza '\(report.stanza)'"
                    + (report.config.map { ", config \($0)" } ?? "") + ", run as \(report.runAs)"
            ]
            let width = report.findings.map(\.check.count).max() ?? 0
            for finding in report.findings {
                let level: String
                switch finding.level {
                case .ok: level = "ok"
                case .warning: level = "warning"
                case .failed: level = "FAILED"
                case .skipped: level = "skipped"
                }
                lines.append(
                    "  \(level.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + "\(finding.check.padding(toLength: width, withPad: " ", startingAt: 0))  \(finding.message)")
                if let hint = finding.hint, finding.level != .ok {
                    lines.append(String(repeating: " ", count: 12 + width) + "→ \(hint)")
                }
            }
            if let window = report.walWindow {
                if let from = window.from {
                    let to = window.to.map { ArchiveFindings.timestamp($0) } ?? "the last archived WAL (time unknown)"
                    lines.append(
                        "point-in-time window: \(ArchiveFindings.timestamp(from)) → \(to) (from \(window.oldestBackup ?? "?"))"
                    )
                } else {
                    lines.append("point-in-time window: none yet (no backup)")
                }
            }
            let problems = report.problems.count
            lines.append(problems == 0 ? "result: passed" : "result: \(problems) problem\(problems == 1 ? "" : "s")")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
