import Foundation
import Synchronization
import Testing
@testable import LifeboatCloud
@testable import LifeboatCore

/// The alert email: settings and routing, subject and body, the RFC 5322 text, and a mail
/// server that cannot be reached (logged and counted, never thrown, no password shown).
@Suite struct EmailAlertTests {
    static func configuration(_ environment: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: environment, environmentFile: "/dev/null")
    }

    static let complete = [
        "BACKUP_SMTP_URL": "smtps://alerts:url-pw-123@mail.example.com:465",
        "BACKUP_SMTP_FROM": "Lifeboat <lifeboat@db1.example.com>",
        "BACKUP_SMTP_TO": "oncall@example.com, DBA Team <dba@example.com>; ops@example.com"
    ]

    @Test func settingsRouteTheSeedsEventsByDefault() async throws {
        #expect(try EmailSettings.load(try await Self.configuration([:])) == nil, "no BACKUP_SMTP_URL: no email")
        let settings = try #require(try EmailSettings.load(try await Self.configuration(Self.complete)))
        #expect(settings.events == [.backupFailed, .backupVerificationFailed])
        #expect(settings.from == "Lifeboat <lifeboat@db1.example.com>")
        #expect(settings.to == ["oncall@example.com", "DBA Team <dba@example.com>", "ops@example.com"])
        #expect(settings.verifyTLS)
        #expect(try EmailSettings.parseEvents("*") == Set(LifeboatEvent.Name.allCases))
        #expect(try EmailSettings.parseEvents("Backup.Completed disk.low") == [.backupCompleted, .diskLow])
        #expect(EmailSettings.splitAddresses("a@x.org b@y.org,\nC <c@z.org>") == ["a@x.org", "b@y.org", "C <c@z.org>"])
    }

    @Test(arguments: [
        (["BACKUP_EMAIL_EVENTS": "backup.failed,backup.exploded"], "'backup.exploded', which is not a Lifeboat event"),
        (["BACKUP_EMAIL_EVENTS": ","], "names no event"),
        (
            ["BACKUP_SMTP_URL": "https://user:url-pw-123@mail.example.com"],
            "BACKUP_SMTP_URL is not an smtp:// or smtps:// URL"
        ),
        (["BACKUP_SMTP_FROM": ""], "BACKUP_SMTP_URL is set but BACKUP_SMTP_FROM is not"),
        (["BACKUP_SMTP_TO": "oncall at example.com"], "BACKUP_SMTP_TO entry 'oncall' is not an email address"),
        (["BACKUP_SMTP_FROM": "a@x.org, b@x.org"], "BACKUP_SMTP_FROM holds 2 addresses"),
        (["BACKUP_SMTP_URL": ""], "BACKUP_SMTP_TO is set but BACKUP_SMTP_URL is not")
    ])
    func badSettingsAreConfigurationErrors(change: [String: String], expected: String) async throws {
        let environment = Self.complete.merging(change) { $1 }.filter { !$0.value.isEmpty }
        let configuration = try await Self.configuration(environment)
        let error = #expect(throws: LifeboatError.self) { try EmailSettings.load(configuration) }
        #expect(error?.category == .configuration)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.description.contains("url-pw-123") == false, "the URL is never repeated")
    }

    @Test func subjectCarriesSeverityEventHostAndSummary() {
        let failed = LifeboatEvent(
            .backupFailed, details: ["type": "daily", "stage": "connect", "error": "cannot connect\nsecond line"],
            host: "db1")
        #expect(
            EmailText.subject(for: failed)
                == "[lifeboat] HIGH backup.failed on db1: daily backup failed: connect: cannot connect second line")
        let bad = LifeboatEvent(
            .backupVerificationFailed, details: ["file": "b.sql.gz", "error": "row counts differ"], host: "db1")
        #expect(
            EmailText.subject(for: bad)
                == "[lifeboat] CRITICAL backup.verification_failed on db1: b.sql.gz: row counts differ")
        #expect(EmailText.severity(of: .diskLow) == .warning)
        #expect(EmailText.severity(of: .backupCompleted) == .info)
        let long = LifeboatEvent(
            .backupFailed, details: ["error": .string(String(repeating: "x", count: 500))], host: "db1")
        #expect(EmailText.subject(for: long).count == 200)
    }

    @Test func bodyHasTheFactsOfTheWebhookPayload() throws {
        let event = LifeboatEvent(
            .backupVerificationFailed,
            details: [
                "file": "b.sql.gz", "verdict": "bad", "hint": nil,
                "mismatches": [["table": "public.rental", "expected": 16049, "actual": 16044]]
            ], time: Date(timeIntervalSince1970: 1_737_169_201), host: "db1")
        let delivery = EmailDelivery(
            settings: EmailSettings(url: "smtp://127.0.0.1:1", from: "l@x.org", to: ["o@x.org"]))
        let message = try delivery.message(event, messageID: "d-1@db1")
        #expect(
            message.body.hasPrefix("backup.verification_failed on db1 at 2025-01-18T03:00:01Z (severity: critical)\n"))
        #expect(message.body.contains("  file: b.sql.gz\n"))
        #expect(message.body.contains("  hint: (none)\n"))
        #expect(message.body.contains("  mismatches:\n    - actual: 16044, expected: 16049, table: public.rental\n"))
        let json = try #require(message.body.split(separator: "\n").first { $0.hasPrefix("{") })
        #expect(
            String(json)
                == String(decoding: try WebhookPayload.body(event, deliveryID: "d-1", format: .json), as: UTF8.self))
        #expect(message.headers.contains { $0.0 == "X-Lifeboat-Event" && $0.1 == "backup.verification_failed" })
    }

    @Test func messageIsRFC5322WithCRLFAndEncodedText() {
        let message = MailMessage(
            from: "Lifeboat <l@x.org>", to: ["a@x.org", "B <b@x.org>"], subject: "café\r\nBcc: evil@x.org",
            body: "line one\nnaïve line two\n", date: Date(timeIntervalSince1970: 1_737_169_201), messageID: "id-1@db1")
        let text = String(decoding: message.bytes, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF only")
        #expect(
            text.hasPrefix(
                "Date: Sat, 18 Jan 2025 03:00:01 +0000\r\nFrom: Lifeboat <l@x.org>\r\nTo: a@x.org, B <b@x.org>\r\n"))
        #expect(text.contains("\r\nSubject: =?utf-8?B?"), "non-ASCII subject as an encoded word")
        #expect(!text.contains("\r\nBcc:"), "no header injection")
        #expect(
            text.contains(
                "\r\nMessage-ID: <id-1@db1>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nline one\r\nna=C3=AFve line two\r\n"))
        #expect(MailMessage.encodeBody("plain\nascii").encoding == "7bit")
        #expect(MailMessage.quotedPrintable(Array("trailing space ".utf8)) == "trailing space=20")
        let long = MailMessage.quotedPrintable(Array(String(repeating: "a", count: 200).utf8))
        #expect(long.components(separatedBy: "=\r\n").allSatisfy { $0.count <= 75 })
        #expect(MailMessage.address("DBA Team <dba@example.com>") == "dba@example.com")
        #expect(
            SMTPMailer.redacted("smtp://user:pw@mail.example.com:587/ehlo.example.com") == "smtp://mail.example.com:587"
        )
    }

    @Test func unreachableServerIsLoggedAndCountedNeverThrown() throws {
        // Port 1 on the loopback: nothing listens, so the connection is refused at once.
        var settings = EmailSettings(
            url: "smtp://alerts:url-pw-123@127.0.0.1:1", from: "l@x.org", to: ["o@x.org"],
            password: "password-456", events: [.diskLow])
        settings.attempts = 2
        settings.backoff = 0.01
        var notifier = EventNotifier(settings: WebhookSettings(urls: []), email: settings, host: "h")
        let statistics = WebhookStatistics()
        notifier.emailStatistics = statistics
        let lines = Lines()
        notifier.log = { lines.append($0) }
        #expect(notifier.isEnabled)

        #expect(notifier.deliver(LifeboatEvent(.backupCompleted, host: "h")).email == nil, "not routed: nothing sent")
        let outcome = try #require(
            notifier.deliver(LifeboatEvent(.diskLow, details: ["directory": "/backups"], host: "h")).email)
        #expect(!outcome.delivered)
        #expect(outcome.attempts == 2)
        #expect(outcome.problem?.contains("after 2 attempts") == true, "\(outcome.problem ?? "")")
        #expect(statistics.failures == 1 && statistics.deliveries == 0)
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("email disk.low via smtp://127.0.0.1:1 not sent: ") == true, "\(lines.all)")
        for secret in ["url-pw-123", "password-456"] { #expect(lines.all.first?.contains(secret) == false) }
    }
}

private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
