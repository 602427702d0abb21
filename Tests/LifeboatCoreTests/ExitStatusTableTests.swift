import Foundation
import Testing
@testable import LifeboatCore

/// Swift Testing has an `ExitStatus` of its own (exit tests).
typealias CoreExitStatus = LifeboatCore.ExitStatus

/// The one error → exit-code mapping, held against the README's "Exit codes" tables (which
/// users and scripts read) and against the command line (which must not pick codes itself).
@Suite struct ExitStatusTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `| code | meaning |` rows of each table in the README's "## Exit codes" section.
    static func readmeTables() throws -> [[(code: Int32, meaning: String)]] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(
            readme.components(separatedBy: "\n## Exit codes\n").dropFirst().first,
            "README.md has no '## Exit codes' section")
        var tables: [[(code: Int32, meaning: String)]] = []
        var current: [(code: Int32, meaning: String)]?
        for line in section.components(separatedBy: "\n").prefix(while: { !$0.hasPrefix("## ") }) {
            guard line.hasPrefix("|") else {
                if let table = current { tables.append(table) }
                current = nil
                continue
            }
            let cells = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            // header, separator
            guard cells.count == 3, let code = Int32(cells[1]) else { current = current ?? []; continue }
            current = (current ?? []) + [(code, cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "| ")))]
        }
        if let table = current { tables.append(table) }
        return tables
    }

    @Test func readmeListsEveryCodeInOrderWithItsMeaning() throws {
        let tables = try Self.readmeTables()
        try #require(
            tables.count == 2,
            "README 'Exit codes' should hold two tables (all commands, then diff): found \(tables.count)")
        #expect(
            tables[0].map(\.code) == CoreExitStatus.allCases.map(\.rawValue),
            "README's exit codes differ from ExitStatus: edit README.md's '## Exit codes' table or ExitStatus.swift so they agree"
        )
        for (row, status) in zip(tables[0], CoreExitStatus.allCases) {
            #expect(
                row.meaning.hasPrefix(status.summary),
                "README row \(row.code) should begin with '\(status.summary)': \(row.meaning)")
        }
        #expect(
            tables[1].map(\.code) == DiffExitStatus.allCases.map(\.rawValue),
            "README's diff table differs from DiffExitStatus")
        for (row, status) in zip(tables[1], DiffExitStatus.allCases) {
            #expect(
                row.meaning.hasPrefix(status.summary),
                "README diff row \(row.code) should begin with '\(status.summary)': \(row.meaning)")
        }
    }

    struct Unknown: Error {}

    @Test(arguments: [
        (LifeboatError.Category.failed, CoreExitStatus.failed), (.configuration, .configuration),
        (.badBackup, .badBackup),
        (.servicesDown, .servicesDown), (.refused, .preflightRefused)
    ])
    func lifeboatErrorsMapByCategory(category: LifeboatError.Category, status: CoreExitStatus) {
        let error = LifeboatError(stage: "test", message: "m", category: category)
        #expect(CoreExitStatus(for: error) == status)
        #expect(CoreExitStatus.isDeclared(error))
        // The category's raw value is the code it ends with: nothing else translates it.
        #expect(status.rawValue == category.rawValue)
    }

    @Test func otherErrorsMap() {
        #expect(CoreExitStatus(for: PreflightRefusal(failed: [], what: "restore")) == .preflightRefused)
        #expect(CoreExitStatus(for: CommandVerdict(.badBackup)) == .badBackup)
        #expect(CoreExitStatus(for: Unknown()) == .failed)
        #expect(!CoreExitStatus.isDeclared(Unknown()))
        #expect(CoreExitStatus.usage.rawValue == 64, "ArgumentParser's EX_USAGE")
    }

    @Test func diffKeepsABadManifestAndCallsEveryOtherFailureTrouble() {
        #expect(
            DiffExitStatus(for: LifeboatError(stage: "manifest", message: "m", category: .badBackup))
                == .damagedManifest)
        #expect(DiffExitStatus(for: LifeboatError(stage: "connect", message: "m")) == .couldNotCompare)
        #expect(
            DiffExitStatus(for: LifeboatError(stage: "config", message: "m", category: .configuration))
                == .couldNotCompare)
        #expect(DiffExitStatus(for: Unknown()) == .couldNotCompare)
        #expect(CommandVerdict(diff: .different).code == 1)
    }

    /// Acceptance: commands throw, and only `Lifeboat.main` turns a verdict into an `ExitCode`.
    @Test func onlyTheMainPicksAnExitCode() throws {
        let folder = Self.root.appendingPathComponent("Sources/lifeboat")
        let files = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        var sites: [String] = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() where line.contains("ExitCode(") {
                sites.append("\(file):\(number + 1)")
            }
        }
        #expect(
            sites.count == 1 && sites.first?.hasPrefix("Lifeboat.swift:") == true,
            "throw a typed error (LifeboatError with a category, or CommandVerdict) instead of ExitCode: \(sites)")
    }
}
