import Foundation
import Testing
@testable import LifeboatCore

/// The webhook contract receivers are written against: names, body, signature, settings.
@Suite struct WebhookPayloadTests {
    static let event = LifeboatEvent(
        .backupCompleted,
        details: [
            "file": "backup_daily_20250118T030001Z.sql.gz", "bytes": 12_345_678, "duration_seconds": 4.1,
            "mismatches": [["table": "public.rental", "actual": nil]]
        ],
        time: Date(timeIntervalSince1970: 1_737_169_201), host: "db1")

    @Test func eventNamesAreTheDocumentedOnes() {
        #expect(
            LifeboatEvent.Name.allCases.map(\.rawValue) == [
                "backup.completed", "backup.failed", "backup.verified", "backup.verification_failed", "disk.low",
                "cloud_sync.failed",
                "backup.size_anomaly", "runbook.started", "runbook.step_failed", "runbook.approval_needed",
                "runbook.completed", "runbook.failed", "runbook.notice",
                "runbook.objective_missed", "drill.regressed"
            ])
    }

    @Test func jsonBodyIsCompactSortedAndComplete() throws {
        let body = try WebhookPayload.body(Self.event, deliveryID: "d-1", format: .json)
        #expect(
            String(decoding: body, as: UTF8.self) == #"""
                {"delivery_id":"d-1","details":{"bytes":12345678,"duration_seconds":4.1,"file":"backup_daily_20250118T030001Z.sql.gz","mismatches":[{"actual":null,"table":"public.rental"}]},"event":"backup.completed","host":"db1","time":"2025-01-18T03:00:01Z"}
                """#)
    }

    @Test func slackBodyAddsOneHumanLine() throws {
        let body = try WebhookPayload.body(Self.event, deliveryID: "d-1", format: .slack)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(
            object["text"] as? String
                == ":white_check_mark: backup.completed on db1: backup_daily_20250118T030001Z.sql.gz (12.3 MB, 4.1 s)")
        #expect(object["event"] as? String == "backup.completed")
        #expect(object["delivery_id"] as? String == "d-1")
        #expect(object["details"] is [String: Any])
    }

    @Test func slackTextEscapesMarkup() {
        let event = LifeboatEvent(
            .runbookFailed, details: ["runbook": "total-loss", "run_id": "r1", "error": "a < b & c > d"], host: "h")
        #expect(
            EventText.slackLine(for: event) == ":x: runbook.failed on h: total-loss (run r1): a &lt; b &amp; c &gt; d")
    }

    @Test(arguments: [
        (
            LifeboatEvent.Name.backupFailed,
            ["type": "daily", "stage": "connect", "error": "cannot connect"] as [String: EventValue],
            ":x: backup.failed on h: daily backup failed: connect: cannot connect"
        ),
        (
            .diskLow, ["directory": "/backups", "free_bytes": 3_200_000_000, "threshold_bytes": 10_000_000_000],
            ":warning: disk.low on h: /backups has 3.2 GB free, below 10.0 GB"
        ),
        (
            .backupVerificationFailed, ["file": "b.sql.gz", "error": "row counts: 1 of 21 tables differ"],
            ":x: backup.verification_failed on h: b.sql.gz: row counts: 1 of 21 tables differ"
        ),
        (
            .runbookApprovalNeeded, ["runbook": "recent-corruption", "step": "stop", "summary": "approve stop?"],
            ":raised_hand: runbook.approval_needed on h: approve stop?"
        )
    ])
    func textLines(name: LifeboatEvent.Name, details: [String: EventValue], expected: String) {
        #expect(EventText.line(for: LifeboatEvent(name, details: details, host: "h")) == expected)
    }

    // RFC 4231 test case 2, and the example in GitHub's "Validating webhook deliveries".
    @Test(arguments: [
        (
            "Jefe", "what do ya want for nothing?",
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            "It's a Secret to Everybody", "Hello, World!",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        )
    ])
    func signatureIsHMACSHA256OfTheBody(secret: String, body: String, expected: String) {
        #expect(WebhookSignature.value(for: Array(body.utf8), secret: secret) == expected)
    }

    @Test func requestCarriesTheHeadersAndSignsTheExactBody() throws {
        let delivery = WebhookDelivery(
            settings: WebhookSettings(urls: ["https://hooks.example.com/x"], secret: "s3cret"))
        let body = try WebhookPayload.body(Self.event, deliveryID: "d-2", format: .json)
        let request = delivery.request(Self.event, url: "https://hooks.example.com/x", body: body, deliveryID: "d-2")
        let headers = Dictionary(request.headers, uniquingKeysWith: { first, _ in first })
        #expect(request.method == "POST")
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers["X-Lifeboat-Event"] == "backup.completed")
        #expect(headers["X-Lifeboat-Delivery"] == "d-2")
        #expect(headers["X-Lifeboat-Signature"] == WebhookSignature.value(for: body, secret: "s3cret"))
        guard case .bytes(let sent) = request.body else { Issue.record("body is not bytes"); return }
        #expect(sent == body)
        let unsigned = WebhookDelivery(settings: WebhookSettings(urls: ["https://hooks.example.com/x"]))
            .request(Self.event, url: "https://hooks.example.com/x", body: body, deliveryID: "d-2")
        #expect(!unsigned.headers.contains { $0.0 == "X-Lifeboat-Signature" })
    }

    @Test func urlsSplitOnCommasAndWhitespace() {
        #expect(
            WebhookSettings.split(" https://a.example/1, https://b.example/2\nhttps://c.example/3 ,, ") == [
                "https://a.example/1", "https://b.example/2", "https://c.example/3"
            ])
    }

    @Test(arguments: [
        ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com/…"),
        ("http://user:token@127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/…"),
        ("https://example.com", "https://example.com"),
        ("http://[::1]:9000/x", "http://[::1]:9000/…")
    ])
    func logsShowNoTokens(url: String, shown: String) {
        #expect(WebhookSettings.redacted(url) == shown)
    }

    static func configuration(_ environment: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: environment, environmentFile: "/dev/null")
    }

    @Test func settingsHaveDefaultsAndCheckValues() async throws {
        let defaults = try WebhookSettings(configuration: try await Self.configuration([:]))
        #expect(defaults.urls.isEmpty)
        #expect(defaults.format == .json && defaults.timeout == 10 && defaults.attempts == 4 && defaults.backoff == 1)
        #expect(!(try EventNotifier(configuration: try await Self.configuration([:]))).isEnabled)

        let set = try WebhookSettings(
            configuration: try await Self.configuration([
                "BACKUP_WEBHOOK_URL": "https://a.example/1,https://b.example/2", "BACKUP_WEBHOOK_FORMAT": "Slack",
                "BACKUP_WEBHOOK_TIMEOUT": "2.5", "BACKUP_WEBHOOK_ATTEMPTS": "2", "BACKUP_WEBHOOK_BACKOFF": "0.05"
            ]))
        #expect(
            set.urls.count == 2 && set.format == .slack && set.timeout == 2.5 && set.attempts == 2
                && set.backoff == 0.05)

        for bad in [
            ["BACKUP_WEBHOOK_FORMAT": "xml"], ["BACKUP_WEBHOOK_ATTEMPTS": "0"], ["BACKUP_WEBHOOK_TIMEOUT": "0"],
            ["BACKUP_WEBHOOK_BACKOFF": "-1"], ["BACKUP_WEBHOOK_URL": "https://ok.example/1 ftp://token@files.example/x"]
        ] {
            let configuration = try await Self.configuration(bad)
            let error = #expect(throws: LifeboatError.self) { try WebhookSettings(configuration: configuration) }
            #expect(error?.category == .configuration)
            #expect(error?.description.contains("token") == false, "the URL is never repeated")
        }
    }

    @Test func failedDeliveryIsReturnedLoggedAndCountedNeverThrown() throws {
        // Port 1 on the loopback: nothing listens, so the connection is refused at once.
        var notifier = EventNotifier(
            settings: WebhookSettings(urls: ["http://127.0.0.1:1/hook?token=t0ken"], attempts: 2, backoff: 0.01),
            host: "h")
        let statistics = WebhookStatistics()
        notifier.statistics = statistics
        let lines = LogLines()
        notifier.log = { lines.append($0) }
        let outcomes = notifier.emit(.diskLow, details: ["directory": "/backups"])
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.delivered == false)
        #expect(outcomes.first?.problem?.contains("after 2 attempts") == true)
        #expect(statistics.failures == 1 && statistics.deliveries == 0)
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("disk.low to http://127.0.0.1:1/… not delivered") == true, "\(lines.all)")
        #expect(lines.all.first?.contains("t0ken") == false)
        #expect(EventNotifier.disabled.emit(.diskLow).isEmpty)
    }
}

private final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
