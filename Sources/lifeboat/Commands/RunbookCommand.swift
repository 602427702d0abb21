import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

struct RunbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract:
            "Disaster-recovery runbooks: list, validate, plan, run, resume, approve, abort, acknowledge and follow the scenarios in runbooks/.",
        subcommands: [
            List.self, Validate.self, Plan.self, Run.self, Resume.self, Status.self, Approve.self, Abort.self, Ack.self
        ]
    )

    /// Where the runbooks are: --dir, else LIFEBOAT_RUNBOOKS_DIR as the configuration has it
    /// (flag, environment or `.env`, default ./runbooks), so `.env` counts here as for every key.
    struct Location: ParsableArguments {
        @Option(help: "The runbook folder (default: LIFEBOAT_RUNBOOKS_DIR or ./runbooks).")
        var dir: String?

        func library(_ configuration: LifeboatConfiguration) -> RunbookLibrary {
            RunbookLibrary(directory: dir.map { URL(fileURLWithPath: $0) } ?? configuration.runbooksDirectory)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the runbooks with their descriptions.",
            discussion: "Example:\n  lifeboat runbook list")

        @OptionGroup var location: Location
        @OptionGroup var global: GlobalOptions

        /// `--json`: one entry per file; a file that does not load has no name or description.
        struct Entry: Encodable {
            let name: String?
            let file: String
            let description: String?
            let loads: Bool
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                var entries: [Entry] = []
                for file in try location.library(configuration).files() {
                    let runbook = try? RunbookLoader().load(file)
                    entries.append(
                        Entry(
                            name: runbook?.name, file: file.path, description: runbook?.description,
                            loads: runbook != nil))
                }
                if global.json { return try Terminal.printJSON(entries) }
                for entry in entries {
                    if let name = entry.name, let description = entry.description {
                        print("\(name)\n    \(description.split(separator: "\n").joined(separator: "\n    "))")
                    } else {
                        print(
                            "\((entry.file as NSString).lastPathComponent)\n    (does not load: run `lifeboat runbook validate \(entry.file)`)"
                        )
                    }
                }
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check runbooks: YAML, keys, actions, parameters, references, cycles, expressions.",
            discussion: """
                Every problem is reported as FILE:LINE:COLUMN: step 'ID': message, all in one pass.

                Examples:
                  lifeboat runbook validate                      # every runbook in the folder
                  lifeboat runbook validate runbooks/total-loss.yaml
                """)

        @OptionGroup var location: Location
        @OptionGroup var global: GlobalOptions

        @Argument(help: "Runbook files or names (default: all in the folder).")
        var runbooks: [String] = []

        /// `--json`: each file and its problems (none: it is valid); the problems also go to
        /// stderr and the exit code is 2 as without --json.
        struct Result: Encodable {
            let file: String
            let valid: Bool
            let problems: [String]
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let library = location.library(configuration)
                let urls = runbooks.isEmpty ? try library.files() : try runbooks.map { try library.url(for: $0) }
                var issues: [RunbookIssue] = []
                var results: [Result] = []
                for url in urls {
                    do {
                        _ = try RunbookLibrary.loadValidated(url)
                        Terminal.note("ok: \(url.path)")
                        results.append(Result(file: url.path, valid: true, problems: []))
                    } catch let invalid as RunbookInvalid {
                        issues += invalid.issues
                        results.append(
                            Result(file: url.path, valid: false, problems: invalid.issues.map(\.description)))
                    }
                }
                if global.json { try Terminal.printJSON(results) }
                guard issues.isEmpty else { throw RunbookInvalid(issues: issues) }
            }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a runbook would do, step by step, with every value it can know; changes nothing.",
            discussion: """
                The plan ends with the preflight checks for the backup the run would use (its backup.select
                step is run now: it only reads): disk, server version, decryption key, cloud object,
                service commands, target lock.

                Examples:
                  lifeboat runbook plan recent-corruption
                  lifeboat runbook plan accidental-deletion --input tables=payment --input deleted_at=2025-01-18T10:00:00Z
                  lifeboat runbook plan total-loss --json        # the same as data, on stdout
                """)

        @OptionGroup var location: Location
        @OptionGroup var global: GlobalOptions

        @OptionGroup var selection: RunbookSelection

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let runbook = try location.library(configuration).load(selection.name)
                let plan = try Planner().plan(runbook, inputs: try selection.parsedInputs())
                let target =
                    (try? RestoreRunner(configuration: configuration).targetDatabase()) ?? "(DATABASE_URL names none)"
                let provider = try ServiceProviders.make(from: configuration)
                var commands: [String: [String]] = [:]
                for action in ServiceAction.allCases {
                    commands[action.rawValue] = provider?.commands(for: action).map(ServiceProviders.commandLine) ?? []
                }
                // Made once: the preflight reuses them (backup.select lists the folder or the bucket).
                let choices = PlanTimeChoices.evaluate(
                    runbook, inputs: Dictionary(plan.inputs, uniquingKeysWith: { a, _ in a }),
                    configuration: configuration, stateDirectory: runEngine(configuration).stateDirectory,
                    target: target)
                let report = RunbookPreflight(
                    configuration: configuration, stateDirectory: runEngine(configuration).stateDirectory,
                    services: provider
                )
                .check(runbook, inputs: try selection.parsedInputs(), target: target, drill: false, choices: choices)
                var preflight = report.lines
                let overridable = report.failed.filter { $0.name != "target.lock" }
                if !overridable.isEmpty {
                    preflight.append(
                        "a run would stop before its first step: \(overridable.map(\.name).joined(separator: ", ")) failed "
                            + "(`runbook run` goes on only with "
                            + overridable.map { "--ignore-preflight \($0.name)" }.joined(separator: " ") + ")")
                }
                if report.check("target.lock")?.status == .fail {
                    preflight.append(
                        "a run would be refused while the target is held (target.lock cannot be overridden for runs)")
                }
                if global.json {
                    try Terminal.printJSON(
                        PlanJSON(
                            plan, target: target, services: provider?.name, serviceCommands: commands,
                            preflight: report, choices: choices))
                } else {
                    print(
                        plan.render(
                            target: target, services: provider?.name, serviceCommands: commands, preflight: preflight,
                            choices: choices))
                }
            }
        }
    }
}

/// Which runbook, and its inputs: shared by plan, run and drill.
struct RunbookSelection: ParsableArguments {
    @Argument(help: "The runbook's name or file.")
    var name: String

    @Option(name: .customLong("input"), help: "An input as NAME=VALUE (repeatable).")
    var inputs: [String] = []

    /// The same as `--input allow_unsigned=true`: the input is journaled with the run, and each
    /// step that accepts a backup because of it says so in its `signature` output and on stderr.
    @Flag(
        help:
            "Accept backups that are unsigned or signed by a key not in BACKUP_TRUSTED_SIGNERS (sets the input allow_unsigned=true)."
    )
    var allowUnsigned = false

    /// The `NAME=VALUE` pairs of the repeated --input options.
    func parsedInputs() throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in inputs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--input takes NAME=VALUE, not '\(pair)'")
            }
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        if allowUnsigned {
            if let given = result["allow_unsigned"], given.lowercased() != "true" {
                throw ValidationError("--allow-unsigned contradicts --input allow_unsigned=\(given)")
            }
            result["allow_unsigned"] = "true"
        }
        return result
    }
}
