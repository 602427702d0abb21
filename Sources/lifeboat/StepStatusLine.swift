import Foundation
import LifeboatRunbooks
import Synchronization

/// The line under a runbook's log showing what runs now: each step, how long it has run, and
/// bytes moved for transfers ("fetch [cloud.fetch] 12s 48.0 MiB · stop [services.stop] 3s").
/// Drawn only when stderr is a terminal; a note clears it first so the log stays readable.
enum StepStatusLine {
    private static let shown = Mutex(false)
    /// While a question waits for an answer the line is not drawn: redrawing would wipe the
    /// question and what the person types.
    private static let paused = Mutex(false)

    static func draw(_ steps: [StepProgress]) {
        guard Terminal.stderrIsTerminal, !paused.withLock({ $0 }) else { return }
        let text = steps.map { step in
            "\(step.step) [\(step.action)] \(Terminal.age(since: Date().addingTimeInterval(-step.elapsed)))"
                + (step.bytes.map { " " + Terminal.bytes($0) } ?? "")
        }.joined(separator: " · ")
        shown.withLock { shown in
            try? FileHandle.standardError.write(
                contentsOf: Data("\r\u{1B}[K".utf8) + Data((text.isEmpty ? "" : "▸ " + text).utf8))
            shown = !text.isEmpty
        }
    }

    /// Runs `body` (a question at the terminal) with the status line away.
    static func pausing<T>(_ body: () throws -> T) rethrows -> T {
        paused.withLock { $0 = true }
        defer { paused.withLock { $0 = false } }
        return try body()
    }

    /// A log line, with the status line cleared first.
    static func note(_ text: String) {
        shown.withLock { shown in
            if shown { try? FileHandle.standardError.write(contentsOf: Data("\r\u{1B}[K".utf8)) }
            shown = false
            try? FileHandle.standardError.write(contentsOf: Data("\(text)\n".utf8))
        }
    }
}

extension RunEngine {
    /// Log lines and the live status line on this terminal.
    mutating func reportToTerminal() {
        note = { StepStatusLine.note($0) }
        progress = { StepStatusLine.draw($0) }
    }
}
