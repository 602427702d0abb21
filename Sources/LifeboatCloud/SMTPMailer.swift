import CCurl
import Foundation

/// Sends mail through an SMTP server with libcurl, one easy handle per attempt, set up with
/// the same time limits and TLS checks as every other transfer (`CurlTransport`).
///
/// `smtps://` speaks TLS from the first byte (port 465); `smtp://` upgrades with STARTTLS. With
/// a user or password, STARTTLS is required: a server that does not offer it never sees the
/// login (it would cross the network in clear). Without a login, STARTTLS is used when offered
/// and the mail goes on in clear text when it is not, since many internal relays offer no TLS
/// and take no login. Connection failures,
/// timeouts and 4xx replies ("try again later") are retried with backoff; a 5xx reply, a
/// refused login or an untrusted certificate is final, since it would come back the same.
public struct SMTPMailer: Sendable {
    /// `smtp://host[:port][/ehlo-domain]` or `smtps://…`, credentials allowed in the user-info.
    public let url: String
    /// Override or complete the user-info of `url` (CURLOPT_USERNAME / CURLOPT_PASSWORD).
    public var username: String?
    public var password: String?
    /// Time limits, TLS verification, attempts and backoff; the HTTP-only settings are unused.
    public var transport: CurlTransport

    public init(url: String, username: String? = nil, password: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
        var transport = CurlTransport()
        transport.connectTimeout = 10
        transport.timeout = 30
        transport.attempts = 3
        transport.initialBackoff = 1
        self.transport = transport
    }

    /// True when credentials would be sent: then TLS is required, not tried.
    public var hasLogin: Bool {
        let components = URLComponents(string: url)
        return [username, password, components?.user, components?.password].contains { !($0 ?? "").isEmpty }
    }

    /// What logs may show of the server.
    public var server: String { Self.redacted(url) }

    /// Sends `message` to the envelope `recipients` (bare addresses) from `sender`; returns
    /// the number of attempts it took, or throws the last attempt's `SMTPError`.
    @discardableResult
    public func send(_ message: MailMessage, from sender: String, to recipients: [String]) throws -> Int {
        let bytes = message.bytes
        var delay = transport.initialBackoff
        var attempt = 1
        while true {
            do {
                try attemptSend(bytes, from: sender, to: recipients, attempt: attempt)
                return attempt
            } catch let error as SMTPError where error.code == .connection && attempt < transport.attempts {
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
                attempt += 1
            }
        }
    }

    private func attemptSend(_ bytes: [UInt8], from sender: String, to recipients: [String], attempt: Int) throws {
        _ = CurlTransport.globalInit
        let server = self.server
        guard let handle = curl_easy_init() else {
            throw SMTPError(server: server, code: .setup, message: "libcurl could not start", attempts: attempt)
        }
        defer { curl_easy_cleanup(handle) }
        let session = SMTPSession(bytes)
        let opaque = Unmanaged.passUnretained(session).toOpaque()
        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipientList) }
        for recipient in recipients { recipientList = curl_slist_append(recipientList, "<\(recipient)>") }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }

        func set(_ code: CURLcode) throws {
            guard code == CURLE_OK else {
                throw SMTPError(
                    server: server, code: .setup,
                    message: "libcurl option refused: \(String(cString: curl_easy_strerror(code)))",
                    attempts: attempt, hint: "BACKUP_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
            }
        }
        do {
            try transport.applyCommonOptions(handle, operation: "smtp")
        } catch let error as CloudError {
            throw SMTPError(server: server, code: .setup, message: error.message, attempts: attempt)
        }
        try set(lifeboat_curl_setopt_string(handle, CURLOPT_URL, url))
        // Only mail protocols: a mistyped URL must not turn into some other kind of request.
        try set(lifeboat_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
        let tls = hasLogin ? CURLUSESSL_ALL : CURLUSESSL_TRY
        try set(lifeboat_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(tls.rawValue)))
        try set(lifeboat_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        if let username { try set(lifeboat_curl_setopt_string(handle, CURLOPT_USERNAME, username)) }
        if let password { try set(lifeboat_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
        try set(lifeboat_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>"))
        try set(lifeboat_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipientList)))
        try set(lifeboat_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
        try set(lifeboat_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.count)))
        try set(
            lifeboat_curl_setopt_read_function(
                handle, CURLOPT_READFUNCTION,
                { buffer, size, count, user in
                    Unmanaged<SMTPSession>.fromOpaque(user!).takeUnretainedValue().read(
                        into: buffer!, capacity: size * count)
                }))
        try set(lifeboat_curl_setopt_pointer(handle, CURLOPT_READDATA, opaque))
        // libcurl hands every server reply line to the header callback: the last one says why.
        try set(
            lifeboat_curl_setopt_write_function(
                handle, CURLOPT_HEADERFUNCTION,
                { data, size, count, user in
                    Unmanaged<SMTPSession>.fromOpaque(user!).takeUnretainedValue().reply(data!, size * count)
                }))
        try set(lifeboat_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque))
        try set(
            lifeboat_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, { _, size, count, _ in size * count }))

        let result = curl_easy_perform(handle)
        guard result != CURLE_OK else { return }
        var reply = 0
        _ = lifeboat_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let detail = String(cString: errorBuffer)
        var message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        if let said = session.lastRefusal { message += " (the server said: \(said))" }
        throw Self.classify(result, reply: reply > 0 ? reply : nil, message: message, server: server, attempt: attempt)
    }

    static func classify(_ result: CURLcode, reply: Int?, message: String, server: String, attempt: Int) -> SMTPError {
        func error(_ code: SMTPError.Code, _ hint: String) -> SMTPError {
            SMTPError(server: server, code: code, message: message, reply: reply, attempts: attempt, hint: hint)
        }
        if result == CURLE_USE_SSL_FAILED {
            return SMTPError(
                server: server, code: .tls,
                message: "the server does not offer STARTTLS, so the login was not sent (it would "
                    + "cross the network in clear text)", reply: reply, attempts: attempt,
                hint: "use smtps://host:465, or a server or port that offers STARTTLS (usually 587); "
                    + "a relay that needs no login can be used without TLS: unset BACKUP_SMTP_USER and BACKUP_SMTP_PASSWORD"
            )
        }
        if result == CURLE_PEER_FAILED_VERIFICATION {
            return error(
                .tls,
                "the SMTP server's TLS certificate is not trusted or not for this host name: install its CA certificate "
                    + "(update-ca-certificates); for a test server only, LIFEBOAT_TLS_INSECURE=true turns the check off"
            )
        }
        if result == CURLE_LOGIN_DENIED || reply == 535 || reply == 534 || reply == 530 {
            return error(
                .login,
                "check BACKUP_SMTP_USER and BACKUP_SMTP_PASSWORD (or the user:password in BACKUP_SMTP_URL); "
                    + "some providers want an app password or an API key here")
        }
        if let reply, (500..<600).contains(reply) {
            return error(
                .rejected,
                "the server refused the mail: check BACKUP_SMTP_FROM (many servers accept only their own domain "
                    + "or the logged-in user as sender) and the addresses in BACKUP_SMTP_TO")
        }
        if result == CURLE_UNSUPPORTED_PROTOCOL || result == CURLE_URL_MALFORMAT {
            return error(
                .setup, "BACKUP_SMTP_URL must be smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]")
        }
        return error(
            .connection,
            "check the host and port in BACKUP_SMTP_URL (587 for STARTTLS, 465 for smtps://, 25 for a "
                + "local relay), that the server is running and that the firewall lets this host reach it")
    }

    /// `smtp://host:port`; user-info and path go (the path is only the EHLO name).
    public static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host,
            !host.isEmpty
        else {
            return "(an unparsable SMTP URL)"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)\(port)"
    }
}

/// The state libcurl's callbacks work on during one SMTP session: the message being read out
/// and the server's last refusal (4xx or 5xx; the `221 Bye` to libcurl's QUIT comes after it).
private final class SMTPSession {
    let bytes: [UInt8]
    var offset = 0
    var lastRefusal: String?

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    func reply(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if line.first == "4" || line.first == "5" { lastRefusal = String(line.prefix(300)) }
        return count
    }
}
