import Foundation

/// A program run to its end with its stdout and stderr kept apart (pgBackRest prints JSON on
/// one and its errors on the other), each into a temporary file so a chatty child can never
/// block on a full pipe. Optional timeout; a cancellation stops the child's whole process group.
public struct CapturedCommand: Sendable {
    public struct Output: Sendable {
        public let command: [String]
        /// nil when a signal ended the child.
        public let exitStatus: Int32?
        public let signal: Int32?
        public let timedOut: Bool
        public let cancelled: Bool
        public let stdout: String
        public let stderr: String
        public var succeeded: Bool { exitStatus == 0 && !timedOut && !cancelled }

        /// "exit status 37", "killed by signal 9", "timed out after 60s".
        public var summary: String {
            if cancelled { return "interrupted" }
            if timedOut { return "timed out" }
            if let exitStatus { return "exit status \(exitStatus)" }
            return "killed by signal \(signal ?? 0)"
        }
    }

    public var argv: [String]
    public var environment: [String: String]
    /// Where the child starts: `/` by default, so a program run as another user never trips
    /// over a working directory it cannot read (e.g. under /root).
    public var directory = "/"
    public var timeout: TimeInterval?
    /// What of `environment` the child gets (`ChildEnvironment`): PostgreSQL's tools and
    /// pgBackRest unless the command is the operator's own.
    public var program = ChildEnvironment.Program.postgresTools
    /// What the child reads on stdin (nothing when nil).
    public var input: [UInt8]?

    public init(
        _ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        timeout: TimeInterval? = nil
    ) {
        self.argv = argv
        self.environment = environment
        self.timeout = timeout
    }

    /// Runs the command; throws only when it cannot be started (a failing exit is an `Output`).
    public func run(cancellation: CancellationFlag? = nil, stage: String) throws -> Output {
        precondition(!argv.isEmpty, "CapturedCommand needs a program")
        let executable = try Self.locate(argv[0], path: environment["PATH"], stage: stage)
        let folder = FileManager.default.temporaryDirectory
        let token = "\(getpid())-\(UUID().uuidString)"
        let outURL = folder.appendingPathComponent("lifeboat-\(stage)-\(token).out")
        let errURL = folder.appendingPathComponent("lifeboat-\(stage)-\(token).err")
        for url in [outURL, errURL] {
            guard
                FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw LifeboatError(
                    stage: stage, message: "cannot create a temporary file in \(folder.path)", hint: "check TMPDIR")
            }
        }
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        // Input through a private temporary file, opened by us: the child (often another user)
        // reads the descriptor it inherits and never needs the file's name.
        var inputHandle: FileHandle?
        if let input {
            let inURL = folder.appendingPathComponent("lifeboat-\(stage)-\(token).in")
            guard
                FileManager.default.createFile(
                    atPath: inURL.path, contents: Data(input), attributes: [.posixPermissions: 0o600])
            else {
                throw LifeboatError(
                    stage: stage, message: "cannot create a temporary file in \(folder.path)", hint: "check TMPDIR")
            }
            inputHandle = FileHandle(forReadingAtPath: inURL.path)
            try? FileManager.default.removeItem(at: inURL)
        }
        defer { try? inputHandle?.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.environment = program.filter(environment)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = inputHandle ?? FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try ChildProcess.start(process)
        } catch {
            throw LifeboatError(stage: stage, message: "cannot start \(executable): \(error.localizedDescription)")
        }
        cancellation?.onCancel { [pid = process.processIdentifier] in Self.signalGroup(pid, SIGTERM) }
        defer { cancellation?.onCancel(nil) }
        var timedOut = false
        if let timeout {
            timedOut = exited.wait(timeout: .now() + timeout) == .timedOut
            if timedOut { Self.stop(process) }
        }
        process.waitUntilExit()
        let byExit = process.terminationReason == .exit
        return Output(
            command: argv, exitStatus: byExit ? process.terminationStatus : nil,
            signal: byExit ? nil : process.terminationStatus,
            timedOut: timedOut, cancelled: cancellation?.isCancelled ?? false,
            stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }

    /// Foundation makes each child the leader of its own process group: signalling the group
    /// also reaches what it started (runuser's pgbackrest, pgbackrest's own workers).
    static func signalGroup(_ pid: Int32, _ signal: Int32) {
        if getpgid(pid) == pid { kill(-pid, signal) } else { kill(pid, signal) }
    }

    private static func stop(_ process: Process) {
        let pid = process.processIdentifier
        signalGroup(pid, SIGTERM)
        ChildProcess.stop(process)
        if getpgid(pid) == pid { kill(-pid, SIGKILL) }
    }

    /// The program itself when it names a path, else the first match on `path` (the child's PATH).
    public static func locate(_ program: String, path: String?, stage: String) throws -> String {
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw LifeboatError(
                    stage: stage, message: "\(program) is not an executable file", category: .configuration)
            }
            return program
        }
        let search = path ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LifeboatError(
            stage: stage, message: "\(program) was not found on PATH (\(search))", category: .configuration)
    }
}
