import Foundation
import Testing

/// What the fault tests share: spawning `lifeboat` with its output kept, waiting for a state,
/// telling backup-looking files from hidden ones, and a pg_dump that pauses mid-dump.
enum Faults {
    /// Files that look like backups to a person or a tool: non-hidden `backup_*` files
    /// (manifests included).
    static func backupLike(_ folder: ScratchFolder) -> [String] {
        folder.files.filter { $0.hasPrefix("backup_") }
    }

    /// Backups proper (without their manifests).
    static func backups(_ folder: ScratchFolder) -> [String] {
        backupLike(folder).filter { !$0.hasSuffix(".manifest.json") }
    }

    static func hidden(_ folder: ScratchFolder) -> [String] {
        folder.files.filter { $0.hasPrefix(".") }
    }

    /// Polls `condition` every 50 ms for at most `seconds`.
    @discardableResult
    static func wait(_ seconds: TimeInterval, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// Starts `lifeboat` in the background like `Command.spawnLifeboat` (no .env, no terminal,
    /// an empty signal mask) but keeps its stdout and stderr in `output`.
    static func spawn(_ arguments: [String], environment: [String: String?], output: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        if environment["LIFEBOAT_ENV_FILE"] == nil { merged["LIFEBOAT_ENV_FILE"] = "/dev/null" }
        process.environment = merged
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        try handle.close()
        return process
    }

    /// Waits for `process` at most `seconds`; one still running then is killed and reported.
    static func finish(_ process: Process, within seconds: TimeInterval = 60) -> Int32 {
        if !wait(seconds, until: { !process.isRunning }) {
            Issue.record("\(process.arguments ?? []) still ran after \(seconds) s: killed")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func text(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    static func sha256(_ path: String) throws -> String {
        try BackupRoundTripTests.sha256sum(URL(fileURLWithPath: path))
    }

    /// A free loopback port, from the kernel.
    static func freePort() throws -> String {
        try Command.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
            ]
        ).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A pg_dump stand-in that runs the real one, passes the first `bytes` of its output on,
/// then pauses (pg_dump blocks on the full pipe, its connection open, mid-COPY) until the
/// test creates `go`; then the rest flows. `paused` appears once the bytes went out. If the
/// backup was killed meanwhile, `go` lets the leftover processes end on the closed pipe.
final class PausingPgDump {
    let tools: ScratchFolder
    let path: String
    var paused: URL { tools.url.appendingPathComponent("paused") }
    var go: URL { tools.url.appendingPathComponent("go") }

    init(bytes: Int) throws {
        tools = try ScratchFolder()
        let real = try TestEnvironment.pgBin + "/pg_dump"
        path = tools.url.appendingPathComponent("pg_dump").path
        try """
        #!/bin/bash
        if [ "${1:-}" = --version ]; then exec \(real) --version; fi
        set -o pipefail
        \(real) "$@" | {
            head -c \(bytes)
            touch \(shellQuote(paused.path))
            while [ ! -f \(shellQuote(go.path)) ] && [ -d \(shellQuote(tools.path)) ]; do sleep 0.05; done
            cat
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func waitUntilPaused(_ seconds: TimeInterval = 120) -> Bool {
        Faults.wait(seconds) { FileManager.default.fileExists(atPath: paused.path) }
    }

    func release() {
        _ = FileManager.default.createFile(atPath: go.path, contents: nil)
    }

    deinit { release() }
}
