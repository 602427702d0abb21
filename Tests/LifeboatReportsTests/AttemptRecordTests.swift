import Foundation
import Testing
import LifeboatRunbooks
@testable import LifeboatReports

/// The honest record (issue 20, "The record"): a run killed and resumed shows each attempt of
/// each step with its own times, its interruptions with the time lost, who resumed and how,
/// declined approvals and retries; durations are per attempt, never first start to last finish.
@Suite struct AttemptRecordTests {
    typealias J = SyntheticJournal

    func report(_ journal: SyntheticJournal) throws -> RunReport {
        try RunReport(runID: J.runID, events: journal.events, generatedAt: J.at(3600))
    }

    /// total-loss killed mid-download (at 5 s) and mid-restore (at 70 s), resumed at 40 s and
    /// 100 s by bob, the second time with --yes; decrypt is 0.4 s of work (the engine's measure).
    static func killedTwice() -> SyntheticJournal {
        var journal = SyntheticJournal(runbook: "total-loss")
        journal.step(
            "pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs.merging(["source": "cloud"]) { $1 })
        journal.started("fetch", "cloud.fetch", at: 2)
        journal.found(interruptedAt: 40, lastEvent: 2)
        journal.resumed(by: "bob", at: 40, flags: [])
        journal.started("fetch", "cloud.fetch", at: 40, attempt: 2)
        journal.finished(
            "fetch", "cloud.fetch", at: 50, outputs: ["path": "/state/runs/x/artifacts/b.sql.gz.gpg"], duration: 10)
        journal.started("decrypt", "backup.decrypt", at: 50)
        journal.finished(
            "decrypt", "backup.decrypt", at: 51, outputs: ["path": "/state/runs/x/artifacts/b.sql"], duration: 0.4)
        journal.step("stop", "services.stop", from: 51, to: 52)
        journal.started("restore", "restore.database", at: 52)
        journal.found(interruptedAt: 100, lastEvent: 52)
        journal.resumed(by: "bob", at: 100, flags: ["--yes"])
        journal.retried(
            "restore", at: 100,
            message: "interrupted while building its scratch copy: app_restore_x dropped, restoring again")
        journal.started("restore", "restore.database", at: 100, attempt: 2)
        journal.finished(
            "restore", "restore.database", at: 130, outputs: ["database": "app", "kept_as": ""], duration: 30)
        journal.step("start", "services.start", from: 130, to: 131)
        journal.runFinished(.succeeded, at: 131)
        return journal
    }

    @Test func eachAttemptHasItsOwnTimesAndTheStepsDurationIsTheirWork() throws {
        let report = try report(Self.killedTwice())
        #expect(report.outcome == .succeeded)
        let restore = try #require(report.step("restore"))
        #expect(restore.attempts == 2)
        #expect(restore.attemptHistory.map(\.number) == [1, 2])
        #expect(restore.attemptHistory.map(\.status) == [.interrupted, .succeeded])
        #expect(restore.attemptHistory[0].startedAt == J.at(52) && restore.attemptHistory[0].finishedAt == nil)
        #expect(restore.attemptHistory[1].startedAt == J.at(100) && restore.attemptHistory[1].finishedAt == J.at(130))
        #expect(restore.durationSeconds == 30, "the work of its attempts, not 52 s → 130 s")
        #expect(report.step("decrypt")?.durationSeconds == 0.4)
        #expect(report.step("fetch")?.durationSeconds == 10, "the killed attempt's end is unknown and adds nothing")
    }

    @Test func interruptionsResumesAndDecisionsAreReported() throws {
        let report = try report(Self.killedTwice())
        #expect(report.interruptions.count == 2)
        #expect(report.interruptions.map(\.steps) == [["fetch"], ["restore"]])
        #expect(report.interruptions.map(\.lostSeconds) == [38, 48])
        #expect(report.interruptedSeconds == 86)
        #expect(report.resumes.map(\.user) == ["bob", "bob"])
        #expect(report.resumes.map(\.flags) == [[], ["--yes"]])
        #expect(report.decisions.map(\.kind) == [.retried])
        #expect(report.decisions.first?.by == nil, "the engine redid it because that was safe")

        let markdown = MarkdownReportRenderer.render(report)
        #expect(markdown.contains("| Interruptions | 2, 1m 26s lost |"))
        #expect(markdown.contains("| Resumed by | bob (no flags), bob (--yes) |"))
        #expect(markdown.contains("| ↳ attempt 1 | | interrupted | 03:00:52 | — | — | |"))
        #expect(markdown.contains("| ↳ attempt 2 | | succeeded | 03:01:40 | 03:02:10 | 30s | |"))
        #expect(markdown.contains("### Interruptions"))
        #expect(markdown.contains("| retried | lifeboat (safe to redo) |"))

        let json = try report.render(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["interruptions"] as? [Any])?.count == 2)
        #expect(object["interrupted_seconds"] as? Double == 86)
        let steps = try #require(object["steps"] as? [[String: Any]])
        let restore = try #require(steps.first { $0["id"] as? String == "restore" })
        #expect(
            (restore["attempt_history"] as? [[String: Any]])?.map { $0["started_at"] as? String } == [
                "2025-01-18T03:00:52Z", "2025-01-18T03:01:40Z"
            ])
        #expect(try RunReport(json: Data(json.utf8)) == report)
    }

    /// The timeline draws a bar per attempt inside its own row, and the time the run stood still
    /// as a band: no bar spans from a first start to a last finish across other steps' work.
    @Test func theTimelineDrawsAttemptsSideBySide() throws {
        let report = try report(Self.killedTwice())
        let chart = TimelineChart(report)
        let restore = try #require(chart.rows.first { $0.label == "restore" })
        #expect(restore.bars.count == 2)
        let spans = restore.bars.map { (Double($0.barX)!, Double($0.barX)! + Double($0.barWidth)!) }
        #expect(spans[0].1 <= spans[1].0, "the first attempt ends before the second begins")
        let start = try #require(chart.rows.first { $0.label == "start" }?.bars.first)
        #expect(spans[1].1 <= Double(start.barX)! + 0.1, "restore's last attempt ends where start begins, not over it")
        #expect(chart.gaps.count == 2)
        let html = try report.render(.html)
        #expect(
            html.components(separatedBy: "<rect class=\"attempt\"").count - 1
                == chart.rows.map(\.bars.count).reduce(0, +))
        #expect(html.contains("<rect class=\"interruption\""))
        #expect(html.contains("<section id=\"interruptions\">"))
        #expect(html.contains("↳ attempt 2"))
    }

    /// A declined gate is a decision in the record and the step says "declined", not interrupted;
    /// a gate still waiting says since when, never "in progress".
    @Test func aDeclinedGateAndAWaitingGateSayWhatTheyAre() throws {
        var journal = J.recentCorruptionPrefix().dropping(after: 2)
        journal.approvalRequested("stop", "services.stop", at: 20, message: "Stop?")
        journal.declined("stop", by: "carol", at: 25, reason: "wrong backup")
        var report = try self.report(journal)
        let stop = try #require(report.step("stop"))
        #expect(stop.status == .declined)
        #expect(stop.approval?.declines.first?.by == "carol" && stop.approval?.declines.first?.reason == "wrong backup")
        #expect(report.decisions.map(\.kind) == [.declined])
        #expect(report.interruptedSteps.isEmpty)
        #expect(MarkdownReportRenderer.render(report).contains("| stop | services.stop | declined |"))

        journal.resumed(by: "carol", at: 60, flags: [])
        journal.approvalRequested("stop", "services.stop", at: 61, message: "Stop?")
        report = try self.report(journal)
        #expect(report.step("stop")?.status == .awaitingApproval)
        let markdown = MarkdownReportRenderer.render(report)
        #expect(
            markdown.contains("| stop | services.stop | waiting for approval since 2025-01-18T03:01:01Z |"),
            "\(markdown)")
        #expect(report.outcomeMessage?.contains("waiting for approval since 2025-01-18T03:01:01Z") == true)
    }

    /// An approval from another terminal is recorded with the name given, the OS user and the reason.
    @Test func anApprovalNamesTheApproverTheOSUserAndTheReason() throws {
        var journal = J.recentCorruptionPrefix().dropping(after: 2)
        journal.approvalRequested("stop", "services.stop", at: 20, message: "Stop?")
        journal.approved("stop", by: "alice", osUser: "root", reason: "ticket 42", at: 30)
        let report = try report(journal)
        let gate = try #require(report.step("stop")?.approval)
        #expect(gate.approvedBy == "alice" && gate.approvedByOSUser == "root" && gate.reason == "ticket 42")
        #expect(MarkdownReportRenderer.render(report).contains("| alice | root | ticket 42 |"))
    }
}

extension SyntheticJournal {
    /// The resume's record of a process it found dead: last known alive at `lastEvent`.
    mutating func found(interruptedAt seconds: Double, lastEvent: Double) {
        var event = JournalEvent(kind: .interrupted, at: Self.at(seconds))
        event.lastEventAt = Self.at(lastEvent)
        event.message = "no process was running it: it was killed or its host went down"
        append(event)
    }

    mutating func resumed(by user: String, at seconds: Double, flags: [String]) {
        var event = JournalEvent(kind: .resumed, at: Self.at(seconds))
        event.user = user
        event.osUser = user
        event.flags = flags
        append(event)
    }

    mutating func retried(_ step: String, at seconds: Double, by: String? = nil, message: String) {
        var event = JournalEvent(kind: .stepRetried, at: Self.at(seconds), step: step)
        event.by = by
        event.message = message
        append(event)
    }

    mutating func declined(_ step: String, by: String, at seconds: Double, reason: String? = nil) {
        var event = JournalEvent(kind: .approvalDeclined, at: Self.at(seconds), step: step)
        event.by = by
        event.osUser = by
        event.reason = reason
        append(event)
    }

    mutating func approved(_ step: String, by: String, osUser: String, reason: String?, at seconds: Double) {
        var event = JournalEvent(kind: .approval, at: Self.at(seconds), step: step)
        event.by = by
        event.osUser = osUser
        event.reason = reason
        append(event)
    }

    /// The journal up to and including event number `index` (0 is the run's start).
    func dropping(after index: Int) -> SyntheticJournal {
        var copy = SyntheticJournal()
        copy.replace(Array(events.prefix(index + 1)))
        return copy
    }
}
