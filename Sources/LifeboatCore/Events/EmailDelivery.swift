import Foundation
import LifeboatCloud

/// Mails one event to the configured recipients through the SMTP server (libcurl, in
/// `SMTPMailer`): a few tries on connection failures and "try again later" replies, none on a
/// refusal. It never throws: the outcome says what happened, and the notifier logs and counts
/// failures, as for webhooks. No password ever reaches the outcome.
public struct EmailDelivery: Sendable {
    public struct Outcome: Sendable {
        /// `smtp://host:port`, as logs may show it.
        public let server: String
        public let event: LifeboatEvent.Name
        /// Without angle brackets; also the `delivery_id` of the JSON in the body.
        public let messageID: String
        public let recipients: Int
        public let attempts: Int
        /// Why it failed, when it did.
        public let problem: String?
        public var delivered: Bool { problem == nil }
    }

    public let settings: EmailSettings
    public var mailer: SMTPMailer

    public init(settings: EmailSettings) {
        self.settings = settings
        var mailer = SMTPMailer(url: settings.url, username: settings.username, password: settings.password)
        mailer.transport.attempts = settings.attempts
        mailer.transport.initialBackoff = settings.backoff
        mailer.transport.timeout = settings.timeout
        mailer.transport.connectTimeout = max(1, min(10, Int(settings.timeout.rounded(.up))))
        mailer.transport.verifyTLS = settings.verifyTLS
        self.mailer = mailer
    }

    public func send(_ event: LifeboatEvent, deliveryID: String = UUID().uuidString.lowercased()) -> Outcome {
        let messageID = "\(deliveryID)@\(Self.messageIDDomain(event.host))"
        func outcome(_ attempts: Int, _ problem: String?) -> Outcome {
            Outcome(
                server: mailer.server, event: event.name, messageID: messageID, recipients: settings.to.count,
                attempts: attempts, problem: problem.map(scrubbed))
        }
        let message: MailMessage
        do {
            message = try self.message(event, messageID: messageID)
        } catch {
            return outcome(0, "the event could not be written as JSON: \(error)")
        }
        do {
            let attempts = try mailer.send(
                message, from: MailMessage.address(settings.from),
                to: settings.to.map(MailMessage.address))
            return outcome(attempts, nil)
        } catch let error as SMTPError {
            var problem = error.message
            switch error.code {
            case .connection: problem += " after \(error.attempts) attempt\(error.attempts == 1 ? "" : "s")"
            case .setup: break
            default: problem += ", not retried"
            }
            if let hint = error.hint { problem += " (\(hint))" }
            return outcome(error.attempts, problem)
        } catch {
            return outcome(1, String(describing: error))
        }
    }

    /// The whole message, as the recipients get it.
    public func message(_ event: LifeboatEvent, messageID: String) throws -> MailMessage {
        let json = try WebhookPayload.body(event, deliveryID: String(messageID.prefix { $0 != "@" }), format: .json)
        return MailMessage(
            from: settings.from, to: settings.to, subject: EmailText.subject(for: event),
            body: EmailText.body(for: event, json: String(decoding: json, as: UTF8.self)),
            date: event.time, messageID: messageID,
            headers: [
                ("X-Lifeboat-Event", event.name.rawValue),
                ("X-Lifeboat-Severity", EmailText.severity(of: event.name).rawValue.lowercased()),
                // RFC 3834: out-of-office robots must not answer an alert.
                ("Auto-Submitted", "auto-generated")
            ])
    }

    /// Defence in depth: libcurl does not put passwords in its messages, and this makes sure.
    private func scrubbed(_ text: String) -> String {
        var secrets = [settings.password].compactMap { $0 }
        if let components = URLComponents(string: settings.url) {
            secrets += [components.password, components.percentEncodedPassword].compactMap { $0 }
        }
        return secrets.filter { $0.count >= 3 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// The host name as a Message-ID domain: only the characters a domain may hold.
    static func messageIDDomain(_ host: String) -> String {
        let kept = String(host.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
        return kept.isEmpty ? "lifeboat.invalid" : kept
    }
}
