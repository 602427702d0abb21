import Foundation
import Testing
@testable import LifeboatRunbooks

/// The shipped scenarios validate; each broken runbook fails at the line and with the message
/// its first line (`# expect: LINE: fragment`) promises.
@Suite struct RunbookValidationTests {
    /// The repository's runbooks/ folder, found from this file's location.
    static let shippedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("runbooks")

    static let brokenDirectory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/broken")

    static var brokenFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: brokenDirectory.path)) ?? []).filter {
            $0.hasSuffix(".yaml")
        }.sorted()
    }

    static func issues(_ url: URL) -> [RunbookIssue] {
        do {
            let runbook = try RunbookLoader().load(url)
            return RunbookValidator().validate(runbook)
        } catch let invalid as RunbookInvalid {
            return invalid.issues
        } catch {
            return [RunbookIssue(SourceLocation(file: url.path, line: 0, column: 0), "unexpected \(error)")]
        }
    }

    @Test(arguments: ["recent-corruption", "accidental-deletion", "total-loss", "point-in-time", "weekly-drill"])
    func shippedRunbookValidates(name: String) throws {
        let url = Self.shippedDirectory.appendingPathComponent("\(name).yaml")
        #expect(Self.issues(url).isEmpty, "\(Self.issues(url))")
        let runbook = try RunbookLibrary.loadValidated(url)
        #expect(runbook.name == name)
        #expect(!runbook.description.isEmpty)
    }

    @Test func thereAreAtLeastFifteenBrokenRunbooks() {
        #expect(Self.brokenFiles.count >= 15)
    }

    @Test(arguments: brokenFiles)
    func brokenRunbookFailsWhereExpected(file: String) throws {
        let url = Self.brokenDirectory.appendingPathComponent(file)
        let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")[0]
        let expectation = header.dropFirst("# expect: ".count)
        let colon = try #require(expectation.firstIndex(of: ":"))
        let line = try #require(Int(expectation[..<colon]))
        let fragment = expectation[expectation.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        let issues = Self.issues(url)
        #expect(!issues.isEmpty, "\(file) must fail validation")
        #expect(
            issues.contains { $0.location.line == line && $0.description.contains(fragment) },
            "\(file): expected line \(line) '\(fragment)', got:\n\(issues.map(\.description).joined(separator: "\n"))")
        #expect(issues.allSatisfy { $0.location.file == url.path }, "issues name the file")
    }

    @Test func everyProblemIsReportedInOnePass() throws {
        let text = """
            name: many
            description: x
            steps:
              - id: a
                action: nope
              - id: b
                action: wait
                with: { duration: soon }
                needs: [ghost]
            """
        let runbook = try RunbookLoader().load(text: text, file: "many.yaml")
        let issues = RunbookValidator().validate(runbook)
        #expect(issues.count == 3, "\(issues)")
    }

    @Test func planOrderFollowsNeedsThenFileOrder() throws {
        let runbook = try RunbookLibrary.loadValidated(
            Self.shippedDirectory.appendingPathComponent("recent-corruption.yaml"))
        let plan = try Planner(environment: [:]).plan(runbook, inputs: ["incident_time": "latest"])
        #expect(plan.steps.map(\.step.id) == ["pick", "prepare", "stop", "restore", "start", "health", "check"])
        #expect(throws: Error.self) { try Planner(environment: [:]).plan(runbook, inputs: ["nonsense": "1"]) }
    }
}
