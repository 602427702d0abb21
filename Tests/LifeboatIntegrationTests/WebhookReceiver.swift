import Foundation

/// `Tests/Fixtures/webhook/receiver.py` as a child process: a local HTTP server that records
/// every request (headers and exact body) and answers the status codes it was given, then 200.
final class WebhookReceiver {
    struct Request {
        let status: Int
        let path: String
        /// Names lowercased.
        let headers: [String: String]
        let body: String

        var event: String? { headers["x-lifeboat-event"] }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var details: [String: Any] { json["details"] as? [String: Any] ?? [:] }

        /// The HMAC of the body as received, by the `openssl` tool a receiver might use (not by
        /// Lifeboat's own code), to compare with X-Lifeboat-Signature.
        func expectedSignature(secret: String) -> String {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "webhook-body-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            guard (try? Data(body.utf8).write(to: file)) != nil,
                let result = try? Command.run(
                    "/usr/bin/openssl", ["dgst", "-sha256", "-hmac", secret, "-r", file.path]),
                result.succeeded, let hex = result.stdout.split(separator: " ").first
            else { return "openssl dgst failed" }
            return "sha256=" + hex
        }
    }

    let port: Int
    private let log: URL
    private let output: URL
    private let process = Process()

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// `statuses` are answered in order, then 200; "hang" answers nothing (logged as status 0).
    init(statuses: [String] = []) throws {
        let folder = FileManager.default.temporaryDirectory
        log = folder.appendingPathComponent("webhook-\(UUID().uuidString).jsonl")
        output = folder.appendingPathComponent("webhook-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webhook/receiver.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", script.path, "--log", log.path, "--statuses", statuses.joined(separator: ",")
        ]
        // A file, not a pipe: nobody drains a pipe while the tests run.
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        // a guard against a hang, not a timing assumption: a busy machine may take long
        let deadline = Date().addingTimeInterval(120)
        var announced: Int?
        while announced == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if text.hasPrefix("ready "), let line = text.split(separator: "\n").first,
                let port = Int(line.dropFirst("ready ".count))
            {
                announced = port
                break
            }
            guard process.isRunning, Date() < deadline else {
                Self.kill(process)
                throw FakeAzure.Failure(description: "the webhook receiver did not start: \(text)")
            }
            usleep(50_000)
        }
        port = announced!
    }

    deinit {
        Self.kill(process)
        try? FileManager.default.removeItem(at: log)
        try? FileManager.default.removeItem(at: output)
    }

    /// SIGKILL: children of the test runner start with SIGTERM blocked, so `terminate()` would
    /// leave the server running and `waitUntilExit()` waiting for ever.
    private static func kill(_ process: Process) {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var requests: [Request] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Request(
                status: object["status"] as? Int ?? 0, path: object["path"] as? String ?? "",
                headers: object["headers"] as? [String: String] ?? [:], body: object["body"] as? String ?? "")
        }
    }

    func requests(for event: String) -> [Request] { requests.filter { $0.event == event } }
}
