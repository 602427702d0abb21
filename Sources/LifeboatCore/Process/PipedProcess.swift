import Foundation
import LifeboatStreams

/// A PostgreSQL client program (pg_dump, psql) running as a child with one end of a pipe
/// ours: its stdout (pg_dump) or its stdin (psql). Its stderr goes to a small temporary file,
/// so a chatty or failing child can never block on a full stderr pipe.
final class PipedProcess {
    enum Direction {
        /// We read what the child writes to stdout.
        case fromChild
        /// We write what the child reads on stdin.
        case toChild
    }

    private let process = Process()
    private let pipe = Pipe()
    private let direction: Direction
    private let stderrFile: URL
    private let stderrHandle: FileHandle
    /// The program's name in messages ("pg_dump", "psql").
    let program: String

    init(program: String, executable: String, arguments: [String], environment: [String: String], direction: Direction)
        throws
    {
        self.program = program
        self.direction = direction
        stderrFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("lifeboat-\(program)-\(getpid())-\(UUID().uuidString).stderr")
        guard
            FileManager.default.createFile(
                atPath: stderrFile.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: stderrFile.path)
        else {
            throw LifeboatError(
                stage: program,
                message: "cannot create a temporary file in \(stderrFile.deletingLastPathComponent().path)",
                hint: "check TMPDIR")
        }
        stderrHandle = handle
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ChildEnvironment.forPostgresTools(environment)
        switch direction {
        case .fromChild:
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = pipe
        case .toChild:
            process.standardInput = pipe
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = handle
        Self.enlarge(pipe)
        do {
            try ChildProcess.start(process)
        } catch {
            try? FileManager.default.removeItem(at: stderrFile)
            throw LifeboatError(stage: program, message: "cannot start \(executable): \(error.localizedDescription)")
        }
    }

    /// A 1 MiB pipe instead of Linux's 64 KiB: pg_dump and psql move hundreds of MB through
    /// it in small writes, and a deeper pipe means fewer wake-ups of both sides (perf showed
    /// the pipe's kernel work as the largest cost after deflate and the server). Best effort:
    /// the kernel may refuse (fs.pipe-max-size), and then the default stays.
    /// Returns the pipe's capacity afterwards (0 where that cannot be asked).
    @discardableResult
    static func enlarge(_ pipe: Pipe) -> Int {
        #if os(Linux)
            // F_SETPIPE_SZ and F_GETPIPE_SZ, which Glibc's Swift overlay does not export.
            let setPipeSize: Int32 = 1031, getPipeSize: Int32 = 1032
            let fd = pipe.fileHandleForReading.fileDescriptor
            _ = fcntl(fd, setPipeSize, Int32(1 << 20))
            return Int(max(0, fcntl(fd, getPipeSize)))
        #else
            return 0
        #endif
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? stderrHandle.close()
        try? FileManager.default.removeItem(at: stderrFile)
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// The child's output, for `.fromChild`.
    lazy var source = FileDescriptorSource(
        fileDescriptor: pipe.fileHandleForReading.fileDescriptor, stage: StreamError.Stage(program))

    /// The child's input, for `.toChild`.
    lazy var sink = FileDescriptorSink(
        fileDescriptor: pipe.fileHandleForWriting.fileDescriptor, stage: StreamError.Stage(program))

    /// Stops the child early (the pipeline failed or was interrupted).
    func terminate() {
        ChildProcess.stop(process)
    }

    /// Closes our end of the pipe, waits, and throws when the child did not finish cleanly,
    /// with the end of its stderr (its own words are the best diagnosis).
    func waitForSuccess() throws {
        // Closing our end first: a pg_dump still writing gets EPIPE, a psql reading gets EOF.
        switch direction {
        case .fromChild: try? pipe.fileHandleForReading.close()
        case .toChild: try? pipe.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        let stderr = errorOutput()
        switch process.terminationReason {
        case .exit where process.terminationStatus == 0:
            return
        case .exit:
            throw LifeboatError(
                stage: program,
                message: "\(program) exited with status \(process.terminationStatus)"
                    + (stderr.isEmpty ? "" : ": \(stderr)"),
                hint: "the message above is \(program)'s own; fix its cause and try again")
        case .uncaughtSignal:
            throw LifeboatError(
                stage: program,
                message: "\(program) was killed by signal \(process.terminationStatus) before it finished"
                    + (stderr.isEmpty ? "" : ": \(stderr)"),
                hint: "check for out-of-memory kills (dmesg) or an operator stopping it, then try again")
        @unknown default:
            throw LifeboatError(stage: program, message: "\(program) ended abnormally")
        }
    }

    /// The last lines the child wrote to stderr, joined on one line.
    func errorOutput() -> String {
        guard let data = try? Data(contentsOf: stderrFile) else { return "" }
        let text = String(decoding: data.suffix(4096), as: UTF8.self)
        return text.split(separator: "\n").suffix(5).joined(separator: " | ")
    }
}
