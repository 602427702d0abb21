import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Replays every input `make fuzz` keeps in Tests/Fixtures/fuzz (its seeds, and any crash it
/// found) through the same parsers, so a fixed crash stays fixed.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    static func inputs(_ target: String) -> [URL] {
        let folder = root.appendingPathComponent(target)
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.path < $1.path }
    }

    @Test func cronInputs() throws {
        let files = Self.inputs("cron")
        #expect(!files.isEmpty)
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            if let cron = try? CronExpression(text) {
                _ = cron.next(
                    after: Date(timeIntervalSince1970: 1_741_400_000), in: TimeZone(identifier: "America/New_York")!)
            }
        }
    }

    @Test func runbookInputs() throws {
        let files = Self.inputs("runbook")
        #expect(!files.isEmpty)
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            if let runbook = try? RunbookLoader().load(text: text, file: file.lastPathComponent) {
                _ = RunbookValidator().validate(runbook)
            }
        }
    }

    @Test func manifestInputs() throws {
        let files = Self.inputs("manifest")
        #expect(!files.isEmpty)
        var decoded = 0
        for file in files {
            if let manifest = try? BackupManifest.decode(try Data(contentsOf: file)) {
                decoded += 1
                _ = try manifest.encoded()
            }
        }
        #expect(decoded >= 1, "the seed manifest still decodes")
    }
}
