import Foundation
import LifeboatCore

/// `Tests/Fixtures/smtp/sink.py` as a child process: an aiosmtpd server on a free loopback
/// port that writes every message it accepts to a folder, optionally with AUTH, STARTTLS
/// (self-signed) and recipients it refuses. Killed with SIGKILL when the test lets go of it.
final class SMTPSink {
    struct Message {
        let mailFrom: String
        let recipients: [String]
        /// The message as received, CRLF line ends.
        let data: String
        let authenticatedAs: String?
        let tls: Bool
        /// Parsed by Python's `email` package: header names as written, values decoded.
        let headers: [String: String]
        let subject: String
        /// The decoded text body, with `\n` line ends.
        let body: String

        /// The JSON after "The same event as webhooks receive it:" in the body.
        var payload: [String: Any] {
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            guard let index = lines.firstIndex(where: { $0.hasPrefix("The same event as webhooks receive it:") }),
                index + 1 < lines.count
            else { return [:] }
            return (try? JSONSerialization.jsonObject(with: Data(lines[index + 1].utf8))) as? [String: Any] ?? [:]
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Whether aiosmtpd can be imported, asked once.
    static let isInstalled: Bool = {
        (try? Command.run("/usr/bin/env", ["python3", "-c", "import aiosmtpd"]).succeeded) ?? false
    }()

    /// Run when aiosmtpd is here; under CI always, so that its absence fails instead of skipping.
    static var shouldRun: Bool { TestEnvironment.shouldRun && (isInstalled || TestEnvironment.isCI) }

    let port: Int
    let folder: ScratchFolder
    private let output: URL
    private let process = Process()

    /// `smtp://127.0.0.1:PORT`.
    var url: String { "smtp://127.0.0.1:\(port)" }

    init(user: String? = nil, password: String? = nil, startTLS: Bool = false, reject: [String] = []) throws {
        guard Self.isInstalled else {
            throw Failure(
                description:
                    "aiosmtpd is not installed, and the email tests need it: pip install aiosmtpd (scripts/install-deps installs it)"
            )
        }
        folder = try ScratchFolder()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smtp/sink.py")
        var arguments = ["python3", "-u", script.path, "--dir", folder.path]
        if let user { arguments += ["--user", user, "--password", password ?? ""] }
        if startTLS { arguments.append("--starttls") }
        if !reject.isEmpty { arguments += ["--reject", reject.joined(separator: ",")] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // A file, not a pipe: nobody drains a pipe while the tests run.
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.start(process)
        try handle.close()
        let deadline = Date().addingTimeInterval(120)  // a hang guard; a busy machine may take long
        var announced: Int?
        while announced == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            // aiosmtpd may warn on stderr first (AUTH without TLS): look for the line.
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }),
                text.contains(line + "\n")
            {
                announced = Int(line.dropFirst("ready ".count))
                if announced != nil { break }
            }
            guard process.isRunning, Date() < deadline else {
                Self.kill(process)
                throw Failure(description: "the SMTP sink did not start: \(text)")
            }
            usleep(50_000)
        }
        port = announced!
    }

    deinit {
        Self.kill(process)
        try? FileManager.default.removeItem(at: output)
    }

    /// SIGKILL: what the test started, by its own pid, and nothing else.
    private static func kill(_ process: Process) {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The messages received so far, oldest first.
    var messages: [Message] {
        folder.files.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.url.appendingPathComponent(name).path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return Message(
                mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                data: object["data"] as? String ?? "", authenticatedAs: object["authenticated_as"] as? String,
                tls: object["tls"] as? Bool ?? false, headers: object["headers"] as? [String: String] ?? [:],
                subject: object["subject"] as? String ?? "",
                body: (object["body"] as? String ?? "").replacingOccurrences(of: "\r\n", with: "\n"))
        }
    }
}
