import Foundation
import LifeboatRunbooks

/// The question at an approval gate, on the run's own terminal. It says exactly what to type,
/// takes only `yes` or `no` (anything else, "y" included, is asked again rather than guessed),
/// and keeps watching for an approval given from another terminal and for Ctrl-C while it
/// waits, so the answer that counts is the one that came first.
enum ApprovalPrompt {
    /// The answer typed here or given elsewhere; nil when stdin closed or the run is stopping.
    static func ask(step: String, message: String, watch: ApprovalWatch) -> ApprovalAnswer? {
        StepStatusLine.pausing { question(step: step, message: message, watch: watch) }
    }

    private static func question(step: String, message: String, watch: ApprovalWatch) -> ApprovalAnswer? {
        let question = "Type \(ApprovalAnswer.yes) to approve or \(ApprovalAnswer.no) to refuse, then Enter: "
        StepStatusLine.note("APPROVAL \(step): \(message)\n  (or from another terminal: \(watch.approveCommand))")
        write(question)
        while true {
            if let given = watch.elsewhere() {
                StepStatusLine.note("\napproved from another terminal by \(given.by)")
                return given
            }
            if watch.cancelled() { return nil }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 250) > 0 else { continue }
            guard let line = readLine() else { return nil }
            let typed = line.trimmingCharacters(in: .whitespaces).lowercased()
            let who = RunEngine.operatorName()
            switch typed {
            case ApprovalAnswer.yes:
                return ApprovalAnswer(approved: true, by: who, osUser: who)
            case ApprovalAnswer.no:
                return ApprovalAnswer(approved: false, by: who, osUser: who)
            default:
                write("'\(line)' is neither \(ApprovalAnswer.yes) nor \(ApprovalAnswer.no). \(question)")
            }
        }
    }

    private static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
