import CLibpq
import Foundation

/// A parsed libpq connection string (URL or key=value form), parsed by libpq itself so that
/// every form libpq accepts is accepted here and nothing is guessed.
public struct ConnectionString: Sendable {
    /// One setting: libpq's keyword, the PG* environment variable libpq reads for it, its value.
    public struct Setting: Sendable, Equatable {
        public let keyword: String
        public let environmentVariable: String?
        public let value: String
    }

    /// The settings that were given explicitly (defaults are left to libpq and the environment).
    public let settings: [Setting]
    public let raw: String

    public init(_ raw: String) throws(PostgresError) {
        self.raw = raw
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(raw, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(code: .invalidConnectionString, message: Self.generalProblem(message))
        }
        defer { PQconninfoFree(options) }
        var parsed: [Setting] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                parsed.append(
                    Setting(
                        keyword: String(cString: keyword),
                        environmentVariable: cursor.pointee.envvar.map { String(cString: $0) },
                        value: String(cString: value)))
            }
            cursor += 1
        }
        settings = parsed
    }

    public subscript(keyword: String) -> String? {
        settings.first { $0.keyword == keyword }?.value
    }

    /// The settings as PG* environment variables, so that child programs (pg_dump, psql) reach the
    /// database without the password ever appearing in their argument list.
    public var environment: [String: String] {
        var env: [String: String] = [:]
        for setting in settings {
            if let name = setting.environmentVariable { env[name] = setting.value }
        }
        return env
    }

    /// The same string with the password replaced, safe to print or log.
    public static func redacted(_ raw: String) -> String {
        var text = raw
        // URL form: scheme://user:password@host (up to the last @ of the authority, so that a
        // password with a raw @ in it is cut out whole)
        if let regex = try? NSRegularExpression(pattern: #"(://[^:/@]*:)[^/]*@"#) {
            text = regex.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1***@")
        }
        // key=value form and URL query parameters: password=secret
        if let regex = try? NSRegularExpression(
            pattern: #"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)"#, options: [.caseInsensitive])
        {
            text = regex.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1***")
        }
        return text
    }

    /// What is wrong with a string libpq refused, in general terms. libpq's own message quotes
    /// the offending part (`invalid connection option "…"`, `missing "=" after "…"`), and that
    /// part can be the password: it must not reach a log, an error or a terminal.
    public static func generalProblem(_ libpqMessage: String) -> String {
        let text = libpqMessage.lowercased()
        let known: [(String, String)] = [
            ("missing \"=\" after", "a key=value setting has no \"=\" (or a URL lacks its scheme, postgresql://)"),
            ("unterminated quoted string", "a quoted value has no closing quote"),
            ("invalid connection option", "it names an option libpq does not know"),
            ("ipv6 host address", "the host's IPv6 address in [ ] is malformed"),
            ("unexpected character", "the URL has an unexpected character in its host or port"),
            ("invalid uri query parameter", "a query parameter (after ?) is not one libpq knows"),
            ("key/value separator", "a query parameter (after ?) is not of the form name=value"),
            ("percent-encoded", "a %-escape is invalid (write %XX with two hex digits)"),
            ("invalid uri", "the URL is malformed"),
            ("invalid integer value", "a number (such as the port) is not a number"),
            ("invalid port number", "the port is not a number"),
            ("out of memory", "out of memory while parsing it")
        ]
        // Checked at connect time: "invalid sslmode value: \"…\"" names a keyword of libpq's own.
        let setting =
            text.hasPrefix("invalid ") && text.contains(" value")
            ? text.dropFirst("invalid ".count).prefix { $0.isLetter || $0 == "_" } : ""
        let problem =
            known.first { text.contains($0.0) }?.1
            ?? (setting.isEmpty ? "libpq cannot parse it" : "the \(setting) setting has a value libpq does not accept")
        return problem + " (the string itself is not shown: it may hold a password)"
    }
}
