import Foundation

/// Runs a provider's commands as children: program found on the given PATH, stdin from
/// /dev/null, stdout and stderr into one temporary file (a pipe nobody drains would block a
/// chatty `docker compose`), and a timeout so a hung service manager cannot hang a restore.
/// A command is over when its own process exits, whatever it left running (`SpawnedCommand`).
/// The child gets the operator commands' environment (`ChildEnvironment`): no secrets.
struct ServiceCommandRunner: Sendable {
    var environment: [String: String]
    var timeout: TimeInterval
    /// Named in "not found" errors: what to install, or which setting to change.
    var installHint: @Sendable (String) -> String

    /// Runs `commands` in order, stopping at the first failure.
    func run(_ action: ServiceAction, _ commands: [[String]]) throws -> ServiceOutcome {
        guard !commands.isEmpty else { return .skipped(action) }
        var tails: [String] = []
        var last = ServiceOutcome.skipped(action)
        for argv in commands {
            last = try runOne(action, argv)
            if !last.outputTail.isEmpty { tails.append(last.outputTail) }
            if !last.succeeded { break }
        }
        let tail = Self.lastLines(tails.joined(separator: "\n"))
        return ServiceOutcome(
            action: action, command: last.command, exitStatus: last.exitStatus, signal: last.signal,
            timedOut: last.timedOut, outputTail: tail, succeeded: last.succeeded)
    }

    /// Like `run`, but a failure throws: used for stop, where going on would be unsafe.
    func runRequired(_ action: ServiceAction, _ commands: [[String]], provider: String) throws -> ServiceOutcome {
        let outcome = try run(action, commands)
        guard outcome.succeeded else {
            var message = "\(provider) could not \(action.rawValue) the services: \(outcome.summary)"
            if !outcome.outputTail.isEmpty {
                message +=
                    "; its output ends with:\n    "
                    + outcome.outputTail.split(separator: "\n").joined(separator: "\n    ")
            }
            throw LifeboatError(
                stage: "services", message: message,
                hint: "fix the cause in the service manager and try again, or unset LIFEBOAT_SERVICES_PROVIDER "
                    + "to restore without stopping the application (it may write during the restore)")
        }
        return outcome
    }

    private func runOne(_ action: ServiceAction, _ argv: [String]) throws -> ServiceOutcome {
        let executable = try locate(argv[0])
        let outputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("lifeboat-service-\(getpid())-\(UUID().uuidString).log")
        guard
            FileManager.default.createFile(
                atPath: outputFile.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let output = FileHandle(forWritingAtPath: outputFile.path)
        else {
            throw LifeboatError(
                stage: "services",
                message: "cannot create a temporary file in \(outputFile.deletingLastPathComponent().path)",
                hint: "check TMPDIR")
        }
        defer {
            try? output.close()
            try? FileManager.default.removeItem(at: outputFile)
        }

        let command: SpawnedCommand
        do {
            command = try SpawnedCommand(
                executable: executable, arguments: Array(argv.dropFirst()),
                environment: ChildEnvironment.forOperatorCommands(environment),
                output: output.fileDescriptor)
        } catch let error as LifeboatError {
            throw LifeboatError(stage: "services", message: error.message, hint: installHint(argv[0]))
        }
        var ending = command.wait(timeout: timeout)
        let timedOut = ending == nil
        if timedOut {
            command.terminateGroup()
            ending = command.wait()
        }

        let tail = Self.lastLines(Self.end(of: outputFile))
        return ServiceOutcome(
            action: action, command: argv,
            exitStatus: ending?.exitStatus, signal: ending?.signal,
            timedOut: timedOut, outputTail: tail,
            succeeded: ending?.exitStatus == 0 && !timedOut)
    }

    /// Looks the program up on the child's PATH, not ours, so that what runs is what the
    /// caller's environment (or a test's recording executable) says.
    func locate(_ program: String) throws -> String {
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw LifeboatError(
                    stage: "services", message: "\(program) is not an executable file",
                    hint: installHint(program), category: .configuration)
            }
            return program
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LifeboatError(
            stage: "services", message: "\(program) was not found on PATH (\(path))",
            hint: installHint(program), category: .configuration)
    }

    /// The end of a file whose size nobody controls: a service manager can print a lot.
    private static func end(of url: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 16_384 ? size - 16_384 : 0)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    static func lastLines(_ text: String, count: Int = 20) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .suffix(count)
            .joined(separator: "\n")
    }
}
