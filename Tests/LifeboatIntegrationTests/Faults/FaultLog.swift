import Foundation
import Testing

/// The reliability record of the fault tests: one JSON line per injected fault,
/// `{"suite":"faults","case":"…","ok":true}`, appended to the file named by
/// `LIFEBOAT_RELIABILITY_LOG` when it is set (`scripts/run-tests` sets it, and
/// `scripts/reliability-summary` counts the lines). The hostile-input tests write the same
/// format with their own suite name.
enum FaultLog {
    static func append(_ name: String, ok: Bool) {
        guard let path = ProcessInfo.processInfo.environment["LIFEBOAT_RELIABILITY_LOG"], !path.isEmpty else { return }
        let quoted =
            (try? JSONSerialization.data(withJSONObject: [name], options: []))
            .map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() } ?? "\"?\""
        let line = "{\"suite\":\"faults\",\"case\":\(quoted),\"ok\":\(ok)}\n"
        // One write(2) with O_APPEND per line: lines from parallel tests never interleave.
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// Runs one fault case: `body` injects the fault and checks the outcome through the
    /// case's `check`s; the line records whether every check held (a thrown error counts as
    /// a failure, and is rethrown).
    static func run(_ name: String, _ body: (FaultCase) throws -> Void) rethrows {
        let fault = FaultCase(name)
        do {
            try body(fault)
        } catch {
            append(name, ok: false)
            throw error
        }
        append(name, ok: fault.ok)
    }
}

/// The checks of one fault case: each is an `#expect`, and the case survived when all held.
final class FaultCase: @unchecked Sendable {
    let name: String
    private(set) var ok = true

    init(_ name: String) { self.name = name }

    func check(
        _ condition: Bool, _ comment: @autoclosure () -> Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(condition, "\(name): \(comment()?.description ?? "")", sourceLocation: sourceLocation)
        if !condition { ok = false }
    }
}
