import Foundation

/// One plain-text email as RFC 5322 text, ready for `SMTPMailer`: CRLF line ends, the
/// headers mail clients and filters expect, a UTF-8 body. Dot-stuffing is left to libcurl,
/// which does it while sending.
public struct MailMessage: Sendable {
    /// Header form: `lifeboat@db1.example.com` or `Lifeboat <lifeboat@db1.example.com>`.
    public var from: String
    public var to: [String]
    public var subject: String
    public var body: String
    public var date: Date
    /// Without the angle brackets: `UUID@host`.
    public var messageID: String
    /// Further headers (`X-Lifeboat-Event`); names are taken as given.
    public var headers: [(String, String)]

    public init(
        from: String, to: [String], subject: String, body: String, date: Date = Date(),
        messageID: String, headers: [(String, String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
        self.headers = headers
    }

    /// The envelope address inside a header form: `Ops <ops@example.com>` → `ops@example.com`.
    public static func address(_ headerForm: String) -> String {
        let trimmed = headerForm.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
            return String(trimmed[trimmed.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return trimmed
    }

    /// The message as sent: headers, a blank line, the body.
    public var bytes: [UInt8] {
        let (encoding, encodedBody) = Self.encodeBody(body)
        var lines = [
            "Date: " + Self.dateFormatter.string(from: date),
            "From: " + Self.oneLine(from),
            "To: " + to.map(Self.oneLine).joined(separator: ", "),
            "Subject: " + Self.encodeHeaderText(Self.oneLine(subject)),
            "Message-ID: <\(Self.oneLine(messageID))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(encoding)"
        ]
        lines += headers.map { "\(Self.oneLine($0.0)): \(Self.encodeHeaderText(Self.oneLine($0.1)))" }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody).utf8)
    }

    /// RFC 5322 date: `Tue, 25 Nov 2026 17:09:23 +0000`.
    private static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter
    }()

    /// A header value may not hold a line break: one would start a header of the sender's
    /// choosing (header injection), so breaks become spaces.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
    }

    /// ASCII text as is; anything else as RFC 2047 encoded words (`=?utf-8?B?…?=`), split on
    /// character boundaries so that each word stays under 76 characters, folded onto
    /// continuation lines.
    static func encodeHeaderText(_ text: String) -> String {
        guard !text.allSatisfy({ $0.isASCII }) else { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes of UTF-8 → 60 characters of base64 + 12 of `=?utf-8?B?` and `?=`.
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `7bit` for short ASCII lines, which any server relays and any reader shows raw;
    /// quoted-printable otherwise, so long lines and UTF-8 survive servers without 8BITMIME.
    static func encodeBody(_ body: String) -> (encoding: String, text: String) {
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        if body.allSatisfy({ $0.isASCII }) && lines.allSatisfy({ $0.utf8.count <= 900 && !$0.contains("\r") }) {
            return ("7bit", lines.joined(separator: "\r\n"))
        }
        return ("quoted-printable", lines.map { quotedPrintable(Array($0.utf8)) }.joined(separator: "\r\n"))
    }

    /// One line in quoted-printable (RFC 2045 §6.7): soft breaks keep lines within 76
    /// characters, and a space or tab ending the line is encoded so that no relay strips it.
    static func quotedPrintable(_ bytes: [UInt8]) -> String {
        var output = ""
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast)
            let piece = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
            if lineLength + piece.count > 75 {
                output += "=\r\n"
                lineLength = 0
            }
            output += piece
            lineLength += piece.count
        }
        return output
    }
}
