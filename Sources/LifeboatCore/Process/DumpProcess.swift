import Foundation
import LifeboatStreams

/// pg_dump running as a child, its stdout a pipe the pipeline reads. Its stderr goes to a small
/// temporary file, so a chatty or failing pg_dump can never block on a full stderr pipe.
final class DumpProcess {
    private let process = Process()
    private let stdout = Pipe()
    private let stderrFile: URL
    private let stderrHandle: FileHandle
    let source: FileDescriptorSource

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        stderrFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("lifeboat-pg_dump-\(getpid())-\(UUID().uuidString).stderr")
        guard FileManager.default.createFile(atPath: stderrFile.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: stderrFile.path)
        else {
            throw LifeboatError(stage: "pg_dump", message: "cannot create a temporary file in \(stderrFile.deletingLastPathComponent().path)",
                                hint: "check TMPDIR")
        }
        stderrHandle = handle
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = handle
        source = FileDescriptorSource(fileDescriptor: stdout.fileHandleForReading.fileDescriptor, stage: StreamError.Stage("pg_dump"))
        do {
            try ChildProcess.start(process)
        } catch {
            try? FileManager.default.removeItem(at: stderrFile)
            throw LifeboatError(stage: "pg_dump", message: "cannot start \(executable): \(error.localizedDescription)")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? stderrHandle.close()
        try? FileManager.default.removeItem(at: stderrFile)
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Stops pg_dump early (the pipeline failed or was interrupted).
    func terminate() {
        ChildProcess.stop(process)
    }

    /// Waits for pg_dump and throws when it did not finish cleanly, with the end of its stderr.
    func waitForSuccess() throws {
        // Closing our read end first means a pg_dump still writing gets EPIPE instead of blocking.
        try? stdout.fileHandleForReading.close()
        process.waitUntilExit()
        let stderr = lastLines(of: stderrFile)
        switch process.terminationReason {
        case .exit where process.terminationStatus == 0:
            return
        case .exit:
            throw LifeboatError(stage: "pg_dump", message: "pg_dump exited with status \(process.terminationStatus)" + (stderr.isEmpty ? "" : ": \(stderr)"),
                                hint: "the message above is pg_dump's own; fix its cause and run the backup again")
        case .uncaughtSignal:
            throw LifeboatError(stage: "pg_dump", message: "pg_dump was killed by signal \(process.terminationStatus) before it finished" + (stderr.isEmpty ? "" : ": \(stderr)"),
                                hint: "check for out-of-memory kills (dmesg) or an operator stopping it, then run the backup again")
        @unknown default:
            throw LifeboatError(stage: "pg_dump", message: "pg_dump ended abnormally")
        }
    }

    private func lastLines(of url: URL) -> String {
        guard let data = try? Data(contentsOf: url) else { return "" }
        let text = String(decoding: data.suffix(4096), as: UTF8.self)
        return text.split(separator: "\n").suffix(5).joined(separator: " | ")
    }
}
