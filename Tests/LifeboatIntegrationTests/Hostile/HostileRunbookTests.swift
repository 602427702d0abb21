import Foundation
import Testing
import LifeboatCore

/// Hostile runbooks: broken YAML, files far too large, alias bombs, cycles and self-references.
/// `validate` names each problem with its line (exit code 2) in bounded time and memory, and
/// `run` refuses them before a run folder exists.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct HostileRunbookTests {
    enum Runbook: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case malformed = "malformed YAML"
        case notUTF8 = "bytes that are not UTF-8"
        case huge = "2 MiB of YAML"
        case billionLaughs = "anchors and aliases bomb"
        case aliasBombInParameters = "aliases bomb in a step's parameters"
        case undefinedAlias = "alias of an undefined anchor"
        case cycle = "steps in a cycle"
        case selfNeed = "step that needs itself"
        case selfReference = "step reading its own output"
        case duplicateIDs = "two steps with one id"
        case notAMapping = "a list instead of a runbook"

        var testDescription: String { rawValue }

        var text: [UInt8] {
            switch self {
            case .malformed:
                return Array(
                    "name: bad\ndescription: x\nsteps:\n  - id: a\n    action: wait\n    with: { duration: 1s\n  - id: b\n"
                        .utf8)
            case .notUTF8:
                return Array("name: bad\ndescription: ".utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0x00, 0x9F]
                    + Array("\nsteps: []\n".utf8)
            case .huge:
                var text = "name: huge\ndescription: |\n"
                let line = "  " + String(repeating: "x", count: 1000) + "\n"
                text += String(repeating: line, count: 2100)
                return Array((text + "steps: []\n").utf8)
            case .billionLaughs:
                var lines = ["a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                for level in 1...9 {
                    lines.append(
                        "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",")
                            + "]")
                }
                lines += ["name: bomb", "description: *a9", "steps: []"]
                return Array((lines.joined(separator: "\n") + "\n").utf8)
            case .aliasBombInParameters:
                var lines = [
                    "name: bomb", "description: x", "steps:", "  - id: s", "    action: wait", "    with:",
                    "      duration: 1s",
                    "      k0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"
                ]
                for level in 1...9 {
                    lines.append(
                        "      k\(level): &a\(level) ["
                            + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",") + "]")
                }
                return Array((lines.joined(separator: "\n") + "\n").utf8)
            case .undefinedAlias:
                return Array("name: x\ndescription: *nowhere\nsteps: []\n".utf8)
            case .cycle:
                return Array(
                    """
                    name: cycle
                    description: x
                    steps:
                      - id: a
                        action: wait
                        with: { duration: 1s }
                        needs: [b]
                      - id: b
                        action: wait
                        with: { duration: 1s }
                        needs: [a]

                    """.utf8)
            case .selfNeed:
                return Array(
                    "name: self\ndescription: x\nsteps:\n  - id: a\n    action: wait\n    with: { duration: 1s }\n    needs: [a]\n"
                        .utf8)
            case .selfReference:
                return Array(
                    "name: self\ndescription: x\nsteps:\n  - id: a\n    action: shell\n    with: { command: \"echo ${steps.a.outputs.output}\" }\n"
                        .utf8)
            case .duplicateIDs:
                return Array(
                    """
                    name: dup
                    description: x
                    steps:
                      - id: a
                        action: wait
                        with: { duration: 1s }
                      - id: a
                        action: wait
                        with: { duration: 2s }

                    """.utf8)
            case .notAMapping:
                return Array("- name: x\n- steps: []\n".utf8)
            }
        }

        var mentions: [String] {
            switch self {
            case .malformed: return ["hostile.yaml:7:7:", "YAML syntax error"]
            case .notUTF8: return ["hostile.yaml:"]
            case .huge: return ["a runbook may be at most 1048576 bytes"]
            case .billionLaughs: return ["'description' must be a single value"]
            case .aliasBombInParameters: return ["step 's'", "list items must be single values"]
            case .undefinedAlias: return ["hostile.yaml:2:14:", "YAML syntax error", "undefined alias"]
            case .cycle: return ["the steps form a cycle: a → b → a"]
            case .selfNeed: return ["the steps form a cycle: a → a"]
            case .selfReference: return ["step 'a'", "uses an output of 'a', which is not upstream"]
            case .duplicateIDs: return ["duplicate", "'a'"]
            case .notAMapping: return ["a runbook is a mapping"]
            }
        }
    }

    @Test(arguments: Runbook.allCases)
    func validateAndRunRefuseHostileRunbooks(_ runbook: Runbook) throws {
        try ReliabilityLog.run(.hostile, "runbook: \(runbook.rawValue)") { check in
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            let file = folder.url.appendingPathComponent("hostile.yaml")
            try Data(runbook.text).write(to: file)
            let started = Date()
            // The memory a bomb would need shows as a crash or a kill; bounded time shows here.
            let validate = try Command.lifeboat(
                ["runbook", "validate", file.path], environment: ["LIFEBOAT_STATE_DIR": state.path])
            check.expect(Date().timeIntervalSince(started) < 20, "validated in bounded time")
            check.refused(validate, status: 2, mentions: runbook.mentions)

            let run = try Command.lifeboat(
                ["runbook", "run", file.path, "--yes"],
                environment: [
                    "LIFEBOAT_STATE_DIR": state.path, "DATABASE_URL": try TestEnvironment.url(for: "lbt_never_touched")
                ])
            check.refused(run, status: 2, mentions: runbook.mentions)
            check.expect(state.files.isEmpty, "no run was started: \(state.files)")
        }
    }

    /// A valid runbook whose cloud.fetch names a path, not a backup: the step fails before the
    /// name becomes a path, and nothing appears outside the run folder.
    @Test func cloudFetchOfAPathFailsTheStepAndWritesNothing() throws {
        try ReliabilityLog.run(.hostile, "runbook cloud.fetch of ../../x") { check in
            let (_, cloud) = try HostileNamesTests.hostileBucket()
            let root = try ScratchFolder()
            let state = root.url.appendingPathComponent("state")
            let file = root.url.appendingPathComponent("fetch.yaml")
            try Data(
                """
                name: fetch-path
                description: fetches what the input names
                inputs:
                  name: { type: string, required: true }
                steps:
                  - id: fetch
                    action: cloud.fetch
                    with: { name: "${inputs.name}" }

                """.utf8
            ).write(to: file)
            var environment = cloud
            environment["LIFEBOAT_STATE_DIR"] = state.path
            environment["DATABASE_URL"] = try TestEnvironment.url(for: "lbt_never_touched")
            for name in ["../../x", "../../../../x", "/../x"] {
                let run = try Command.lifeboat(
                    ["runbook", "run", file.path, "--yes", "--input", "name=\(name)"], environment: environment)
                check.refused(run, status: 1, mentions: ["is not a backup file name"])
            }
            let runs =
                (try? FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("runs").path)) ?? []
            for run in runs {
                let artifacts = state.appendingPathComponent("runs/\(run)/artifacts")
                check.expect(
                    ((try? FileManager.default.contentsOfDirectory(atPath: artifacts.path)) ?? []).isEmpty,
                    "no artifact in \(run)")
            }
            let tree = HostileNamesTests.tree(root.url).filter { !$0.hasPrefix("state/") }
            check.expect(tree == ["fetch.yaml", "state"], "nothing beside the state folder: \(tree)")
            let stateTree = HostileNamesTests.tree(state)
            check.expect(
                stateTree.allSatisfy {
                    $0 == "locks" || $0 == "runs" || $0.hasPrefix("runs/") || $0.hasPrefix("locks/")
                },
                "only runs and locks in the state folder: \(stateTree)")
        }
    }
}
