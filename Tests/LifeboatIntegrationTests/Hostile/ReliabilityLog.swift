import Foundation
import Testing

/// The suite summary's record of hostile-input and security cases: one JSON line per case,
/// `{"suite":"hostile","case":"verify: truncated .sql.gz.gpg","ok":true}`, appended to the file
/// named by LIFEBOAT_RELIABILITY_LOG when it is set. The fault-injection tests append the same
/// lines to the same file; the format is the only thing the two share.
enum ReliabilityLog {
    enum Suite: String {
        case hostile, security
    }

    static func record(_ suite: Suite, _ name: String, ok: Bool) {
        guard let path = ProcessInfo.processInfo.environment["LIFEBOAT_RELIABILITY_LOG"], !path.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = (try? encoder.encode(name)).map { String(decoding: $0, as: UTF8.self) } ?? "\"?\""
        let line = Array("{\"suite\":\"\(suite.rawValue)\",\"case\":\(quoted),\"ok\":\(ok)}\n".utf8)
        // One write(2) with O_APPEND per line: tests running in parallel never interleave lines.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Runs one case: its checks go through `check.expect`, which records a test issue as
    /// `#expect` does and remembers the failure; the case is logged ok only when none failed
    /// and nothing was thrown (a thrown error, `#require` included, logs it as not ok).
    static func run(_ suite: Suite, _ name: String, _ body: (CaseCheck) throws -> Void) throws {
        let check = CaseCheck()
        do {
            try body(check)
        } catch {
            record(suite, name, ok: false)
            throw error
        }
        record(suite, name, ok: check.failures == 0)
    }
}

/// The checks of one case.
final class CaseCheck {
    private(set) var failures = 0

    func expect(
        _ condition: Bool, _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard !condition else { return }
        failures += 1
        Issue.record(Comment(rawValue: comment()), sourceLocation: sourceLocation)
    }

    /// The refusal every hostile input must get: the documented exit code, a message naming
    /// what failed, and no crash (a Swift runtime trap or an error that escaped the CLI's
    /// `error: STAGE:` formatting).
    func refused(
        _ result: CommandResult, status: Int32, mentions fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expect(
            result.status == status, "exit status \(result.status), expected \(status): \(result.stderr)",
            sourceLocation: sourceLocation)
        for fragment in fragments {
            expect(
                result.stderr.localizedCaseInsensitiveContains(fragment),
                "stderr names '\(fragment)': \(result.stderr)",
                sourceLocation: sourceLocation)
        }
        expect(
            !result.stderr.contains("Fatal error") && !result.stderr.contains("\nError: ")
                && !result.stderr.hasPrefix("Error: "),
            "no crash and no unformatted error: \(result.stderr)", sourceLocation: sourceLocation)
    }
}
