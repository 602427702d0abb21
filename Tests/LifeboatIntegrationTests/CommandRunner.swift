import Foundation
import Testing

/// Runs real programs: the built `lifeboat` binary, and the standard tools (gpg, gunzip, psql,
/// sha256sum) that must read our files without Lifeboat.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var succeeded: Bool { status == 0 }
}

enum Command {
    /// The `lifeboat` executable built beside the test bundle (`swift build --build-tests` builds both).
    static var lifeboatPath: String {
        if let path = ProcessInfo.processInfo.environment["LIFEBOAT_BIN"] { return path }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let sibling = bundleDirectory.appendingPathComponent("lifeboat").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        return FileManager.default.currentDirectoryPath + "/.build/debug/lifeboat"
    }

    /// Runs `executable` with `arguments`; `environment` is added to (and overrides) ours,
    /// with nil values removed.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:],
        directory: String? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let folder = FileManager.default.temporaryDirectory
        let outURL = folder.appendingPathComponent("lifeboat-out-\(UUID().uuidString)")
        let errURL = folder.appendingPathComponent("lifeboat-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CommandResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    static func lifeboat(_ arguments: [String], environment: [String: String?] = [:]) throws -> CommandResult {
        // Tests never read a developer's .env by accident.
        var environment = environment
        if environment["LIFEBOAT_ENV_FILE"] == nil { environment["LIFEBOAT_ENV_FILE"] = "/dev/null" }
        return try run(lifeboatPath, arguments, environment: environment)
    }

    /// Runs a bash pipeline with pipefail, so a failure anywhere in it fails the command.
    static func shell(_ script: String, environment: [String: String?] = [:]) throws -> CommandResult {
        try run("/bin/bash", ["-c", "set -euo pipefail\n" + script], environment: environment)
    }
}

/// Quotes a string for a bash command line.
func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension Command {
    /// Starts `lifeboat` in the background as an operator's shell would: no .env, no terminal,
    /// output discarded, and an empty signal mask (the test runner's threads block SIGTERM and
    /// Foundation passes that on) so that SIGTERM reaches it like any real process.
    static func spawnLifeboat(_ arguments: [String], environment: [String: String?]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lifeboatPath)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        if environment["LIFEBOAT_ENV_FILE"] == nil { merged["LIFEBOAT_ENV_FILE"] = "/dev/null" }
        process.environment = merged
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        return process
    }
}
