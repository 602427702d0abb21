import Foundation
import Testing
import LifeboatCore

/// Alert email from the real binary to a local SMTP server (`Tests/Fixtures/smtp/sink.py`,
/// aiosmtpd): a failed backup is mailed with its stage and cause, only routed events are
/// mailed, and a mail server that is down or refuses never changes a command's outcome.
@Suite(.enabled(if: SMTPSink.shouldRun))
struct EmailTests {
    static let user = "lifeboat-alerts"
    static let password = "smtp-pw-\(UUID().uuidString)"

    /// A server that takes a login, which Lifeboat sends only after STARTTLS (issue 18): the
    /// sink's certificate is self-signed, so `environment` trusts it unless told not to.
    static func loginSink(reject: [String] = []) throws -> SMTPSink {
        try SMTPSink(user: user, password: password, startTLS: true, reject: reject)
    }

    /// A backup of `databaseURL` into `folder` that mails through `smtpURL`, with no disk
    /// warning (the test machine's free space must not add events).
    static func environment(
        databaseURL: String, _ folder: ScratchFolder, smtpURL: String,
        trustSelfSigned: Bool = true
    ) throws -> [String: String?] {
        [
            "LIFEBOAT_TLS_INSECURE": trustSelfSigned ? "true" : nil,
            "DATABASE_URL": databaseURL,
            "BACKUP_DIR": folder.path,
            "GNUPGHOME": try TestEnvironment.gnupgHome,
            "BACKUP_DISK_MIN_FREE_GB": "0",
            "BACKUP_SMTP_URL": smtpURL,
            "BACKUP_SMTP_USER": user,
            "BACKUP_SMTP_PASSWORD": password,
            "BACKUP_SMTP_FROM": "Lifeboat <lifeboat@db1.example.com>",
            "BACKUP_SMTP_TO": "oncall@example.com, DBA Team <dba@example.com>"
        ]
    }

    /// A database that does not exist: the backup fails at once, at the connect stage.
    static var missingDatabase: String { get throws { try TestEnvironment.url(for: "lifeboat_no_such_database") } }

    @Test func failedBackupIsMailedWithItsStageAndCause() throws {
        let sink = try Self.loginSink()
        let folder = try ScratchFolder()
        let environment = try Self.environment(databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url)
        let result = try Command.lifeboat(["backup", "--type", "weekly"], environment: environment)
        #expect(result.status == 1, "the backup's own failure: \(result.stderr)")
        #expect(!result.stderr.contains("not sent"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.password))

        let messages = sink.messages
        try #require(messages.count == 1, "one email: \(messages.map(\.subject))")
        let message = messages[0]
        #expect(message.mailFrom == "lifeboat@db1.example.com")
        #expect(message.recipients == ["oncall@example.com", "dba@example.com"])
        #expect(message.authenticatedAs == Self.user)
        #expect(message.headers["From"] == "Lifeboat <lifeboat@db1.example.com>")
        #expect(message.headers["To"] == "oncall@example.com, DBA Team <dba@example.com>")
        #expect(message.subject.hasPrefix("[lifeboat] HIGH backup.failed on "), "\(message.subject)")
        #expect(message.subject.contains("weekly backup failed: connect: "), "\(message.subject)")
        #expect(message.headers["X-Lifeboat-Event"] == "backup.failed")
        #expect(message.headers["Content-Type"]?.hasPrefix("text/plain; charset=") == true, "\(message.headers)")
        #expect(message.headers["MIME-Version"] == "1.0")
        #expect(message.headers["Auto-Submitted"] == "auto-generated")
        #expect(message.headers["Date"].flatMap { $0.isEmpty ? nil : $0 } != nil)
        let messageID = try #require(message.headers["Message-ID"])
        #expect(messageID.hasPrefix("<") && messageID.hasSuffix(">") && messageID.contains("@"), "\(messageID)")
        #expect(!message.data.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF line ends only")

        // The facts of the webhook payload: stage, cause, what to do.
        #expect(message.body.contains("  stage: connect\n"), "\(message.body)")
        #expect(message.body.contains("lifeboat_no_such_database"), "\(message.body)")
        #expect(message.body.contains("  hint: "), "\(message.body)")
        #expect(message.body.contains("  type: weekly\n"), "\(message.body)")
        let payload = message.payload
        #expect(payload["event"] as? String == "backup.failed")
        let details = try #require(payload["details"] as? [String: Any], "\(message.body)")
        #expect(details["stage"] as? String == "connect")
        #expect((details["error"] as? String)?.contains("lifeboat_no_such_database") == true)
        #expect(messageID.contains(payload["delivery_id"] as? String ?? "-"), "the JSON names the email it came in")
        #expect(!message.data.contains(Self.password))
    }

    @Test func onlyRoutedEventsAreMailed() throws {
        let sink = try Self.loginSink()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try Self.environment(databaseURL: database.url, folder, smtpURL: sink.url)

        // The default routing (backup.failed, backup.verification_failed) leaves a good backup alone.
        let quiet = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(quiet.succeeded, "\(quiet.stderr)")
        #expect(sink.messages.isEmpty, "\(sink.messages.map(\.subject))")

        // Routed to email, backup.completed is mailed; backup.failed, no longer routed, is not.
        environment["BACKUP_EMAIL_EVENTS"] = "backup.completed"
        let (file, _) = try BackupRoundTripTests.backup(["--type", "daily"], environment)
        environment["DATABASE_URL"] = try Self.missingDatabase
        let failed = try Command.lifeboat(["backup", "--type", "daily"], environment: environment)
        #expect(failed.status == 1, "\(failed.stderr)")
        let messages = sink.messages
        #expect(messages.count == 1, "\(messages.map(\.subject))")
        #expect(
            messages.first?.subject.hasPrefix("[lifeboat] INFO backup.completed on ") == true,
            "\(messages.first?.subject ?? "")")
        #expect(messages.first?.subject.contains(file.lastPathComponent) == true)
        #expect(messages.first?.body.contains("  file: \(file.lastPathComponent)\n") == true)
    }

    @Test func unknownEventNameIsAConfigurationError() throws {
        let folder = try ScratchFolder()
        var environment = try Self.environment(
            databaseURL: try Self.missingDatabase, folder, smtpURL: "smtp://127.0.0.1:25")
        environment["BACKUP_EMAIL_EVENTS"] = "backup.failed, backup.exploded"
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("BACKUP_EMAIL_EVENTS names 'backup.exploded'"), "\(result.stderr)")
        #expect(result.stderr.contains("backup.verification_failed"), "the valid names are listed: \(result.stderr)")
    }

    @Test func deadMailServerIsLoggedAndNeverChangesTheOutcome() throws {
        let closed = try FakeAzure.freePort()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try Self.environment(
            databaseURL: database.url, folder,
            smtpURL: "smtp://alerts:url-secret-pw@127.0.0.1:\(closed)")
        environment["BACKUP_EMAIL_EVENTS"] = "*"

        // A good backup stays good.
        let good = try Command.lifeboat(["backup", "--type", "manual", "--json"], environment: environment)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(folder.files.contains { BackupName(fileName: $0) != nil })
        #expect(
            good.stderr.contains("warning: email backup.completed via smtp://127.0.0.1:\(closed) not sent: "),
            "\(good.stderr)")
        #expect(good.stderr.contains("after 3 attempts"), "\(good.stderr)")

        // A failed backup fails as it would without email: same exit code, its own message.
        environment["DATABASE_URL"] = try Self.missingDatabase
        let failed = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("lifeboat_no_such_database"), "\(failed.stderr)")
        #expect(
            failed.stderr.contains("email backup.failed via smtp://127.0.0.1:\(closed) not sent: "), "\(failed.stderr)")
        for secret in [Self.password, "url-secret-pw"] {
            #expect(!good.stderr.contains(secret) && !failed.stderr.contains(secret))
        }
    }

    @Test func refusedRecipientIsReportedWithTheServersReplyAndNotRetried() throws {
        let sink = try Self.loginSink(reject: ["dba@example.com"])
        let folder = try ScratchFolder()
        let environment = try Self.environment(databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url)
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("email backup.failed via \(sink.url) not sent: "), "\(result.stderr)")
        #expect(
            result.stderr.contains("550 5.1.1 <dba@example.com>: recipient rejected"),
            "the server's own reply: \(result.stderr)")
        #expect(result.stderr.contains("not retried"), "\(result.stderr)")
        #expect(sink.messages.isEmpty)
    }

    @Test func wrongPasswordIsALoginFailure() throws {
        let sink = try Self.loginSink()
        let folder = try ScratchFolder()
        var environment = try Self.environment(databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url)
        environment["BACKUP_SMTP_PASSWORD"] = "wrong-\(Self.password)"
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("email backup.failed via \(sink.url) not sent: "), "\(result.stderr)")
        #expect(result.stderr.contains("BACKUP_SMTP_PASSWORD"), "the hint says what to check: \(result.stderr)")
        #expect(!result.stderr.contains("wrong-\(Self.password)"))
        #expect(sink.messages.isEmpty)
    }

    @Test func startTLSIsUsedWhenOfferedAndTheCertificateIsChecked() throws {
        let sink = try Self.loginSink()
        let folder = try ScratchFolder()
        var environment = try Self.environment(
            databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url, trustSelfSigned: false)

        // The sink's certificate is self-signed: refused, and not retried.
        let checked = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(checked.status == 1, "\(checked.stderr)")
        #expect(checked.stderr.contains("email backup.failed via \(sink.url) not sent: "), "\(checked.stderr)")
        #expect(checked.stderr.contains("not retried"), "\(checked.stderr)")
        #expect(checked.stderr.contains("LIFEBOAT_TLS_INSECURE"), "\(checked.stderr)")
        #expect(sink.messages.isEmpty)

        environment["LIFEBOAT_TLS_INSECURE"] = "true"
        let insecure = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(insecure.status == 1, "\(insecure.stderr)")
        #expect(insecure.stderr.contains("LIFEBOAT_TLS_INSECURE is on"), "\(insecure.stderr)")
        #expect(!insecure.stderr.contains("not sent"), "\(insecure.stderr)")
        let message = try #require(sink.messages.first)
        #expect(message.tls, "the session was upgraded with STARTTLS")
        #expect(message.authenticatedAs == Self.user)
    }

    /// Issue 18: a login is never sent to a server that does not offer STARTTLS.
    @Test func aLoginIsNotSentWithoutSTARTTLS() throws {
        let sink = try SMTPSink(user: Self.user, password: Self.password)
        let folder = try ScratchFolder()
        let environment = try Self.environment(databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url)
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("email backup.failed via \(sink.url) not sent: "), "\(result.stderr)")
        #expect(result.stderr.contains("does not offer STARTTLS"), "\(result.stderr)")
        #expect(result.stderr.contains("smtps://"), "the hint says what to do: \(result.stderr)")
        #expect(!result.stderr.contains(Self.password))
        #expect(sink.messages.isEmpty)
    }

    /// A relay that takes no login may still be plain SMTP.
    @Test func aRelayWithoutLoginMayBePlain() throws {
        let sink = try SMTPSink()
        let folder = try ScratchFolder()
        var environment = try Self.environment(
            databaseURL: try Self.missingDatabase, folder, smtpURL: sink.url, trustSelfSigned: false)
        environment["BACKUP_SMTP_USER"] = nil as String?
        environment["BACKUP_SMTP_PASSWORD"] = nil as String?
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("not sent"), "\(result.stderr)")
        let message = try #require(sink.messages.first)
        #expect(!message.tls && message.authenticatedAs == nil)
    }
}
