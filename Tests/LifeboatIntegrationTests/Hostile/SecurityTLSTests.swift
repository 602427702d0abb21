import Foundation
import Testing
import LifeboatCore

/// An HTTPS server on loopback with a throwaway self-signed certificate: it answers GET with an
/// empty S3 listing, HEAD with 404, and POST (a webhook) with 200, logging each POST's path.
final class SelfSignedServer {
    let port: Int
    let log: URL
    private let folder: ScratchFolder
    private let process = Process()

    var url: String { "https://127.0.0.1:\(port)" }
    var posts: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static let script = """
        import http.server, ssl, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, status, body, kind="application/xml"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            def do_GET(self):
                self.answer(200, b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                                 b'<Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>')
            def do_HEAD(self):
                self.answer(404, b"")
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with open(sys.argv[3], "a") as log:
                    log.write(self.path + "\\n")
                self.answer(200, b"{}", "application/json")
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print("ready %d" % server.server_address[1], flush=True)
        server.serve_forever()
        """

    init() throws {
        folder = try ScratchFolder()
        let cert = folder.url.appendingPathComponent("cert.pem").path
        let key = folder.url.appendingPathComponent("key.pem").path
        let made = try Command.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"
            ])
        guard made.succeeded else { throw HostileFixture.Failure(description: "openssl req: \(made.stderr)") }
        log = folder.url.appendingPathComponent("posts.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = folder.url.appendingPathComponent("server.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", Self.script, cert, key, log.path]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        let deadline = Date().addingTimeInterval(120)  // a hang guard; a busy machine may take long
        var announced: Int?
        while announced == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("ready "), let port = Int(line.dropFirst(6))
            {
                announced = port
            } else if !process.isRunning || Date() > deadline {
                Self.stop(process)
                throw HostileFixture.Failure(description: "the HTTPS test server did not start: \(text)")
            } else {
                usleep(50_000)
            }
        }
        port = announced!
    }

    deinit { Self.stop(process) }

    /// SIGKILL: the test runner's children start with SIGTERM blocked.
    private static func stop(_ process: Process) {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// TLS certificate verification is on by default for cloud endpoints and webhooks: a
/// self-signed endpoint is refused with a message naming the certificate. Only
/// LIFEBOAT_TLS_INSECURE=true turns it off, and every command that does so warns.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SecurityTLSTests {
    static let insecureWarning = "warning: LIFEBOAT_TLS_INSECURE is on"

    static func cloud(_ server: SelfSignedServer, _ folder: ScratchFolder) -> [String: String?] {
        var environment: [String: String?] = CloudTests.credentials
        environment["BACKUP_CLOUD_BUCKET"] = "lbt-tls"
        environment["BACKUP_CLOUD_ENDPOINT"] = server.url
        environment["BACKUP_DIR"] = folder.path
        return environment
    }

    @Test func aSelfSignedCloudEndpointIsRefusedByDefault() throws {
        try ReliabilityLog.run(.security, "TLS: self-signed cloud endpoint refused by default") { check in
            let server = try SelfSignedServer()
            let folder = try ScratchFolder()
            let started = Date()
            let list = try Command.lifeboat(["list", "--remote"], environment: Self.cloud(server, folder))
            check.refused(list, status: 1, mentions: ["cloud:", "certificate", "LIFEBOAT_TLS_INSECURE=true"])
            check.expect(!list.stderr.contains(Self.insecureWarning), "no insecure warning when verification is on")
            check.expect(Date().timeIntervalSince(started) < 3, "a certificate error is not retried")
            let fetch = try Command.lifeboat(
                ["fetch", "backup_daily_20250101T030000Z.sql.gz"], environment: Self.cloud(server, folder))
            check.refused(fetch, status: 1, mentions: ["certificate"])
            check.expect(folder.files.isEmpty, "nothing downloaded: \(folder.files)")
        }
    }

    @Test func insecureSettingReachesTheSelfSignedEndpointAndWarns() throws {
        try ReliabilityLog.run(
            .security, "TLS: LIFEBOAT_TLS_INSECURE=true reaches a self-signed cloud endpoint, with a warning"
        ) { check in
            let server = try SelfSignedServer()
            let folder = try ScratchFolder()
            var environment = Self.cloud(server, folder)
            environment["LIFEBOAT_TLS_INSECURE"] = "true"
            let list = try Command.lifeboat(["list", "--remote"], environment: environment)
            check.expect(list.status == 0, "list --remote works: \(list.stderr)")
            check.expect(
                list.stderr.contains(Self.insecureWarning) && list.stderr.contains("the cloud endpoint"),
                "and warns: \(list.stderr)")
            environment["LIFEBOAT_TLS_INSECURE"] = "maybe"
            let typo = try Command.lifeboat(["list", "--remote"], environment: environment)
            check.refused(typo, status: 2, mentions: ["LIFEBOAT_TLS_INSECURE is 'maybe'"])
        }
    }

    @Test func webhooksVerifyTheReceiversCertificate() throws {
        try ReliabilityLog.run(
            .security,
            "TLS: webhooks refuse a self-signed receiver by default, deliver with the insecure setting and warn"
        ) { check in
            let server = try SelfSignedServer()
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try Hostile.environment(live, folder)
            environment["BACKUP_WEBHOOK_URL"] = server.url + "/hook"
            let secure = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
            check.expect(secure.status == 0, "a webhook never fails the backup: \(secure.stderr)")
            check.expect(
                secure.stderr.contains("not delivered") && secure.stderr.contains("certificate"),
                "the failed delivery names the certificate: \(secure.stderr)")
            check.expect(!secure.stderr.contains(Self.insecureWarning), "no insecure warning")
            check.expect(server.posts.isEmpty, "nothing was posted: \(server.posts)")

            environment["LIFEBOAT_TLS_INSECURE"] = "true"
            let insecure = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
            check.expect(insecure.status == 0, "\(insecure.stderr)")
            check.expect(
                insecure.stderr.contains(Self.insecureWarning) && insecure.stderr.contains("webhook receivers"),
                "it warns: \(insecure.stderr)")
            check.expect(!insecure.stderr.contains("not delivered"), "and delivers: \(insecure.stderr)")
            check.expect(server.posts == ["/hook"], "one backup.completed arrived: \(server.posts)")
        }
    }

    @Test func configShowsTheSettingOffByDefault() throws {
        try ReliabilityLog.run(.security, "TLS: lifeboat config shows LIFEBOAT_TLS_INSECURE false by default") {
            check in
            let result = try Command.lifeboat(["config", "--json"], environment: ["LIFEBOAT_TLS_INSECURE": nil])
            check.expect(result.succeeded, "\(result.stderr)")
            check.expect(result.stdout.contains("LIFEBOAT_TLS_INSECURE"), "listed: \(result.stdout)")
            let plain = try Command.lifeboat(["config"], environment: ["LIFEBOAT_TLS_INSECURE": nil])
            let line = plain.stdout.split(separator: "\n").first { $0.hasPrefix("LIFEBOAT_TLS_INSECURE") } ?? ""
            check.expect(line.contains("false") && line.contains("[default]"), "off by default: \(line)")
        }
    }
}
