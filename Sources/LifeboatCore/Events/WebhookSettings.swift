import Foundation

/// Where webhooks go and how hard Lifeboat tries: BACKUP_WEBHOOK_URL (several, comma- or
/// whitespace-separated), BACKUP_WEBHOOK_SECRET, _FORMAT, _TIMEOUT, _ATTEMPTS and _BACKOFF.
public struct WebhookSettings: Sendable {
    public var urls: [String]
    /// The HMAC key; no signature header without it.
    public var secret: String?
    public var format: WebhookFormat
    /// Seconds allowed for each attempt, connecting included.
    public var timeout: TimeInterval
    /// Tries per delivery, the first included; only network errors and 5xx are retried.
    public var attempts: Int
    /// Seconds before the first retry; doubled before each next one.
    public var backoff: TimeInterval
    /// Check receivers' TLS certificates (off only with LIFEBOAT_TLS_INSECURE).
    public var verifyTLS = true

    public init(
        urls: [String], secret: String? = nil, format: WebhookFormat = .json,
        timeout: TimeInterval = 10, attempts: Int = 4, backoff: TimeInterval = 1
    ) {
        self.urls = urls
        self.secret = secret
        self.format = format
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
    }

    /// Reads and checks the settings; a bad value is a configuration error (exit code 2), so a
    /// typo is found when the command starts rather than when an alert goes missing.
    public init(configuration: LifeboatConfiguration) throws {
        let urls = Self.split(configuration.string(.webhookURL) ?? "")
        for (index, url) in urls.enumerated() {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", components.host?.isEmpty == false
            else {
                // The URL is a secret (it may hold a token): say which entry, not what it says.
                throw LifeboatError(
                    stage: "configuration",
                    message: "BACKUP_WEBHOOK_URL entry \(index + 1) of \(urls.count) is not an http:// or https:// URL",
                    hint:
                        "separate several URLs with commas or spaces; each must be a full URL such as https://hooks.example.com/lifeboat",
                    category: .configuration)
            }
        }
        let rawFormat = configuration.string(.webhookFormat) ?? "json"
        guard let format = WebhookFormat(rawValue: rawFormat.lowercased()) else {
            throw configuration.invalid(.webhookFormat, rawFormat, "json or slack")
        }
        let timeout = try configuration.decimal(.webhookTimeout) ?? 10
        guard timeout > 0 else {
            throw configuration.invalid(.webhookTimeout, String(timeout), "a number of seconds above 0")
        }
        let attempts = try configuration.int(.webhookAttempts) ?? 4
        guard attempts >= 1 else {
            throw configuration.invalid(.webhookAttempts, String(attempts), "1 or more (1: no retries)")
        }
        self.init(
            urls: urls, secret: configuration.string(.webhookSecret), format: format, timeout: timeout,
            attempts: attempts, backoff: try configuration.decimal(.webhookBackoff) ?? 1)
        // Asked only when there is a receiver, so that the warning comes only when it matters.
        if !urls.isEmpty { verifyTLS = try TLSVerification.isOn(configuration, for: "webhook receivers") }
    }

    /// `a, b c` → `[a, b, c]`: commas as the seed writes them, spaces and newlines as a `.env` might.
    public static func split(_ raw: String) -> [String] {
        raw.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// What a log may show of a webhook URL: scheme, host and port. User-info, query and path
    /// go, since each can hold the token that lets anyone post to the hook (Slack's is in the path).
    public static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else {
            return "(an unparsable URL)"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        // IPv6, bracketed or not by Foundation
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let hidden =
            !components.path.isEmpty && components.path != "/" || components.query != nil || components.fragment != nil
        return "\(scheme)://\(shownHost)\(port)" + (hidden ? "/…" : "")
    }
}
