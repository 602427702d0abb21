import Foundation
import LifeboatCore

/// An answer at an approval gate: yes or no, who gave it (the name they gave, `--by`, and
/// the OS user who typed the command), when, and why. `lifeboat runbook approve` leaves one
/// in the run's `approvals/STEP` file for the running engine to journal; the prompt at the
/// run's own terminal gives one directly.
public struct ApprovalAnswer: Codable, Sendable, Equatable {
    public var approved: Bool
    public var by: String
    public var osUser: String
    public var at: Date
    public var reason: String?

    public init(approved: Bool, by: String, osUser: String, at: Date = Date(), reason: String? = nil) {
        self.approved = approved
        self.by = by
        self.osUser = osUser
        self.at = at
        self.reason = reason
    }

    /// The words the prompt takes, declared once so the question and the check agree.
    public static let yes = "yes"
    public static let no = "no"

    /// The approval file's contents: a JSON answer, or (files written before answers were
    /// JSON) just the approver's name.
    static func read(_ file: URL) -> ApprovalAnswer? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        if let answer = try? RunJournal.decoder.decode(ApprovalAnswer.self, from: data) { return answer }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { return nil }
        let at = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) ?? Date()
        return ApprovalAnswer(approved: true, by: name, osUser: name, at: at)
    }

    func encoded() throws -> Data { try RunJournal.encoder.encode(self) }

    /// The journal event that records this answer for `step`.
    func event(step: String, message: String) -> JournalEvent {
        var event = JournalEvent(kind: approved ? .approval : .approvalDeclined, at: at, step: step)
        event.by = by
        event.osUser = osUser
        event.reason = reason
        event.message = message
        return event
    }
}

/// What the prompt at the run's terminal can look at while it waits for a typed answer: an
/// answer given from another terminal meanwhile, and whether the run is being stopped.
public struct ApprovalWatch: Sendable {
    public let elsewhere: @Sendable () -> ApprovalAnswer?
    public let cancelled: @Sendable () -> Bool
    /// The command that approves from another terminal, for the prompt to show.
    public let approveCommand: String
}
