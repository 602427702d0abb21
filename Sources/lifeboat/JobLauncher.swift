import Foundation
import LifeboatCore
import Synchronization

/// Runs a scheduled job as a child `lifeboat` process: the same command the cron fallback
/// runs, so a job that crashes cannot take the worker down, and memory goes back to the
/// system after every job. The child's log lines reach the worker's log prefixed with the job
/// name; a signal to the worker is passed on, and the child stops itself if the worker dies.
enum JobLauncher {
    static func run(_ job: ScheduledJob, extraEnvironment: [String: String], cancellation: CancellationFlag)
        -> JobOutcome
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.executablePath)
        process.arguments = job.arguments
        // The one child that gets the whole environment, secrets included: it is Lifeboat itself
        // and reads its configuration (cloud keys, SMTP password) from there, as the worker did.
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extraEnvironment { environment[key] = value }
        environment[ParentWatch.variable] = String(getpid())
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let tail = LogTail()
        let reader = Thread {
            var pending = Data()
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    Terminal.note("[\(job.name)] \(line)")
                    tail.add(line)
                }
            }
        }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try ChildProcess.start(process)
        } catch {
            return .failed("cannot start \(CommandLine.executablePath): \(error.localizedDescription)")
        }
        reader.start()
        cancellation.onCancel { [pid = process.processIdentifier] in kill(pid, SIGTERM) }
        defer { cancellation.onCancel(nil) }
        finished.wait()
        try? errors.fileHandleForWriting.close()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        if cancellation.isCancelled { return .interrupted }
        if process.terminationStatus == 0 { return .succeeded }
        let last = tail.lastError
        return .failed("exit status \(process.terminationStatus)" + (last.isEmpty ? "" : ": \(last)"))
    }
}

extension CommandLine {
    /// This program's own path, for starting jobs as child processes.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}

/// The last lines a job wrote, for the failure message in the schedule table.
final class LogTail: Sendable {
    private let lines = Mutex<[String]>([])

    func add(_ line: String) { lines.withLock { $0 = Array(($0 + [line]).suffix(5)) } }

    var lastError: String { lines.withLock { $0.last { $0.hasPrefix("error:") } ?? $0.last } ?? "" }
}
