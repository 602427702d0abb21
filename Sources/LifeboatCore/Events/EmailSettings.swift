import Foundation
import LifeboatCloud

/// Alert email: the server (BACKUP_SMTP_URL, with BACKUP_SMTP_USER and _PASSWORD), the sender
/// and recipients (BACKUP_SMTP_FROM, BACKUP_SMTP_TO) and which events go by email
/// (BACKUP_EMAIL_EVENTS). Email is on exactly when BACKUP_SMTP_URL is set.
public struct EmailSettings: Sendable {
    public var url: String
    /// Header form, `lifeboat@db1.example.com` or `Lifeboat <lifeboat@db1.example.com>`.
    public var from: String
    public var to: [String]
    public var username: String?
    public var password: String?
    public var events: Set<LifeboatEvent.Name>
    /// Check the server's TLS certificate (off only with LIFEBOAT_TLS_INSECURE).
    public var verifyTLS = true
    /// Tries per email, the first included; only connection failures and 4xx replies are retried.
    public var attempts = 3
    /// Seconds before the first retry; doubled before each next one.
    public var backoff: TimeInterval = 1
    /// Seconds allowed for each attempt, the whole SMTP conversation included.
    public var timeout: TimeInterval = 30

    /// The seed's routing: a failed backup and a bad backup are worth waking someone for.
    public static let defaultEvents: Set<LifeboatEvent.Name> = [.backupFailed, .backupVerificationFailed]

    public init(
        url: String, from: String, to: [String], username: String? = nil, password: String? = nil,
        events: Set<LifeboatEvent.Name> = EmailSettings.defaultEvents
    ) {
        self.url = url
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.events = events
    }

    public func routes(_ name: LifeboatEvent.Name) -> Bool { events.contains(name) }

    /// The settings, or nil when BACKUP_SMTP_URL is unset. A half-done setup (recipients but no
    /// server, a server but no recipients) is a configuration error (exit code 2): an alert that
    /// silently goes nowhere is found only on the day it was needed.
    public static func load(_ configuration: LifeboatConfiguration) throws -> EmailSettings? {
        let events = try parseEvents(
            configuration.string(.emailEvents) ?? ConfigurationKey.emailEvents.defaultValue ?? "")
        guard let url = configuration.string(.smtpURL) else {
            for key in [ConfigurationKey.smtpTo, .smtpFrom, .smtpUser, .smtpPassword]
            where configuration.string(key) != nil {
                throw LifeboatError(
                    stage: "configuration",
                    message: "\(key.name) is set but BACKUP_SMTP_URL is not, so no email would be sent",
                    hint: "set BACKUP_SMTP_URL (e.g. smtp://mail.example.com:587), or unset \(key.name)",
                    category: .configuration)
            }
            return nil
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", components.host?.isEmpty == false
        else {
            // The URL is a secret (it may hold a password): say what is wrong, not what it says.
            throw LifeboatError(
                stage: "configuration", message: "BACKUP_SMTP_URL is not an smtp:// or smtps:// URL",
                hint: "write it as smtp://mail.example.com:587 (STARTTLS when the server offers it) or "
                    + "smtps://mail.example.com:465; credentials may go in BACKUP_SMTP_USER and BACKUP_SMTP_PASSWORD",
                category: .configuration)
        }
        guard let rawFrom = configuration.string(.smtpFrom) else {
            throw missing(
                .smtpFrom,
                "the sender address, e.g. lifeboat@db1.example.com or \"Lifeboat <lifeboat@db1.example.com>\"")
        }
        let from = try checkedAddresses(rawFrom, key: .smtpFrom)
        guard from.count == 1 else {
            throw LifeboatError(
                stage: "configuration", message: "BACKUP_SMTP_FROM holds \(from.count) addresses, expected one",
                hint: "put the recipients in BACKUP_SMTP_TO", category: .configuration)
        }
        guard let rawTo = configuration.string(.smtpTo) else {
            throw missing(.smtpTo, "the recipients, comma-separated, e.g. oncall@example.com, dba@example.com")
        }
        var settings = EmailSettings(
            url: url, from: from[0], to: try checkedAddresses(rawTo, key: .smtpTo),
            username: configuration.string(.smtpUser), password: configuration.string(.smtpPassword), events: events)
        settings.verifyTLS = try TLSVerification.isOn(configuration, for: "the SMTP server")
        return settings
    }

    /// `backup.failed, backup.verification_failed` or `*`; every name must be a known event.
    public static func parseEvents(_ raw: String) throws -> Set<LifeboatEvent.Name> {
        let names = raw.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        if names == ["*"] { return Set(LifeboatEvent.Name.allCases) }
        var events: Set<LifeboatEvent.Name> = []
        for name in names {
            guard let event = LifeboatEvent.Name(rawValue: name.lowercased()) else {
                throw LifeboatError(
                    stage: "configuration",
                    message: "BACKUP_EMAIL_EVENTS names '\(name)', which is not a Lifeboat event",
                    hint: "use * for all events, or some of: "
                        + LifeboatEvent.Name.allCases.map(\.rawValue).joined(separator: ", "),
                    category: .configuration)
            }
            events.insert(event)
        }
        guard !events.isEmpty else {
            throw LifeboatError(
                stage: "configuration", message: "BACKUP_EMAIL_EVENTS names no event",
                hint: "name events such as backup.failed, or * for all; to send no email, unset BACKUP_SMTP_URL",
                category: .configuration)
        }
        return events
    }

    /// `Ops <ops@example.com>, dba@example.com` → two header forms. Commas separate entries;
    /// entries without angle brackets may also be separated by spaces, as a `.env` might write them.
    public static func splitAddresses(_ raw: String) -> [String] {
        raw.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isNewline }).flatMap { entry -> [String] in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            return trimmed.contains("<") ? [trimmed] : trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
        }.filter { !$0.isEmpty }
    }

    private static func checkedAddresses(_ raw: String, key: ConfigurationKey) throws -> [String] {
        let entries = splitAddresses(raw)
        for entry in entries {
            let address = MailMessage.address(entry)
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            let valid =
                parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && entry.allSatisfy { $0.isASCII }
                && !address.contains(where: {
                    $0.isWhitespace || $0 == "<" || $0 == ">" || $0.asciiValue.map { $0 < 32 || $0 == 127 } ?? true
                })
            guard valid else {
                throw LifeboatError(
                    stage: "configuration", message: "\(key.name) entry '\(entry)' is not an email address",
                    hint:
                        "write addresses as name@example.com or \"Name <name@example.com>\", separated by commas (ASCII only)",
                    category: .configuration)
            }
        }
        guard !entries.isEmpty else { throw missing(key, "at least one address") }
        return entries
    }

    private static func missing(_ key: ConfigurationKey, _ what: String) -> LifeboatError {
        LifeboatError(
            stage: "configuration", message: "BACKUP_SMTP_URL is set but \(key.name) is not",
            hint: "set \(key.name) to \(what)", category: .configuration)
    }
}
