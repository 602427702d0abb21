import Foundation
import Synchronization
import Testing
import LifeboatCore
import LifeboatRunbooks

/// The engine's progress reports, seen through the library: each running step with its elapsed
/// time, and bytes for a cloud download running beside an independent branch.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookProgressTests {
    final class Reports: Sendable {
        let seen = Mutex<[[StepProgress]]>([])
        func add(_ report: [StepProgress]) { seen.withLock { $0.append(report) } }
        var all: [[StepProgress]] { seen.withLock { $0 } }
    }

    static let runbook = """
        name: progress
        description: A cloud download beside a pause.
        steps:
          - id: pick
            action: backup.select
            with: { source: cloud }
          - id: fetch
            action: cloud.fetch
            with: { name: "${steps.pick.outputs.name}" }
            needs: [pick]
          - id: pause
            action: wait
            with: { duration: 2s }
        """

    @Test func progressShowsElapsedTimeAndBytesWhileBranchesOverlap() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment = try CloudTests.environment(database, folder, bucket: try CloudTests.bucket())
        let (_, manifest) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--upload"], environment)
        let configuration = try await LifeboatConfiguration.load(
            environment: environment.compactMapValues { $0 }, environmentFile: "/dev/null")
        let runbook = try RunbookLoader().load(text: Self.runbook, file: "progress.yaml")
        var engine = RunEngine(configuration: configuration, stateDirectory: state.url)
        let reports = Reports()
        engine.progress = { reports.add($0) }
        let (_, finished) = try engine.start(runbook, inputs: [:], target: database.name, options: RunEngine.Options())
        #expect(finished.finished == .succeeded)

        let fetches = reports.all.flatMap { $0 }.filter { $0.step == "fetch" }
        #expect(
            fetches.contains { $0.action == "cloud.fetch" && ($0.bytes ?? 0) > 0 },
            "bytes are reported for the download")
        #expect(fetches.compactMap(\.bytes).max() ?? 0 <= manifest.fileBytes)
        #expect(
            reports.all.flatMap { $0 }.contains { $0.step == "pause" && $0.elapsed >= 1 },
            "the ticker reports elapsed time")
        #expect(
            reports.all.contains { report in Set(report.map(\.step)).isSuperset(of: ["fetch", "pause"]) },
            "the download and the pause were running at the same time")
        #expect(reports.all.last == [], "the last report clears the line")
    }
}
