import Foundation
import Testing
@testable import LifeboatRunbooks

/// Issue 20: the shipped runbooks name scratch databases after the run (`pitr_${run.id}`,
/// `drill_${run.id}`); with a hyphen in the run id those needed quoting everywhere.
@Suite struct RunIDTests {
    @Test func databaseNamesTheShippedRunbooksMakeFromTheRunIDArePlainIdentifiers() throws {
        let plain = /^[a-z_][a-z0-9_]*$/
        let runID = RunEngine.newRunID()
        var checked: [String] = []
        for file in try FileManager.default.contentsOfDirectory(
            at: RunbookValidationTests.shippedDirectory, includingPropertiesForKeys: nil)
        {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /database: "([^"]*\$\{run\.id\}[^"]*)"/) {
                let name = String(match.1).replacingOccurrences(of: "${run.id}", with: runID)
                #expect(
                    name.wholeMatch(of: plain) != nil && name.utf8.count <= 63, "\(file.lastPathComponent): \(name)")
                checked.append(name)
            }
        }
        #expect(
            checked.contains { $0.hasPrefix("pitr_") },
            "point-in-time.yaml names its scratch database after the run: \(checked)")
    }
}
