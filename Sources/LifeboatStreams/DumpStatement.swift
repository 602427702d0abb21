/// One statement of a plain dump as the parallel restore routes it: its text, the line it
/// starts on, and what kind of work it is. The kinds are the few a router needs to tell apart
/// (pg_restore -j makes the same distinctions from an archive's table of contents); anything
/// else is `.other` and runs in order.
public struct DumpStatement: Sendable {
    public enum Kind: Sendable, Equatable {
        /// `SET name …` or `SELECT pg_catalog.set_config('name', …)`: session state every
        /// connection needs before it runs the dump's statements; keyed by the setting's name.
        case setting(String)
        /// `COPY table (…) FROM stdin;`: its data follows.
        case copy(table: String)
        /// `CREATE [UNIQUE] INDEX … ON [ONLY] table` or `ALTER TABLE [ONLY] table ADD
        /// CONSTRAINT … PRIMARY KEY | UNIQUE`: builds an index on one table, independent of
        /// the other tables' indexes.
        case index(table: String)
        case other
    }

    /// The statement's bytes as the file has them, with its `;` (and the comments pg_dump
    /// writes before it): what the server runs. Not a Swift string: a SQL_ASCII database may
    /// name a table with bytes that are not UTF-8, and decoding would rename it.
    public let text: [UInt8]
    /// The same as text for the router and for messages (bytes that are not UTF-8 become U+FFFD).
    public let sql: String
    /// 1-based line of the file where its first token is.
    public let line: Int
    public let kind: Kind

    public init(text: [UInt8], line: Int, kind: Kind) {
        self.text = text
        self.sql = String(decoding: text, as: UTF8.self)
        self.line = line
        self.kind = kind
    }

    public init(sql: String, line: Int, kind: Kind) {
        self.init(text: Array(sql.utf8), line: line, kind: kind)
    }

    /// The statement from its first token, on one line and cut short: for error messages.
    public var summary: String {
        var text = Substring(sql)
        while true {
            text = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
            if text.hasPrefix("--") { text = text.drop { $0 != "\n" }; continue }
            break
        }
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 120 ? String(line.prefix(117)) + "…" : line
    }

    /// The kind of a statement from its tokens (upper-cased words, `?` for anything else) and text.
    static func kind(_ tokens: StatementTokens, sql: String) -> Kind {
        let first = tokens.first
        guard let head = first.first else { return .other }
        let second = first.count > 1 ? first[1] : ""
        switch head {
        case "SET" where second != "CONSTRAINTS" && second != "TRANSACTION" && second != "LOCAL":
            if second == "SESSION", first.count > 2 { return .setting("SESSION " + first[2]) }
            return .setting(second)
        case "SELECT"
        where first.count == 6 && first[1] == "PG_CATALOG" && first[3] == "SET_CONFIG" && first[5].hasPrefix("'"):
            return .setting(String(first[5].dropFirst()).uppercased())
        case "COPY":
            let words = SQLWords.split(sql, limit: 3)
            return words.count > 1 ? .copy(table: words[1]) : .other
        case "CREATE" where second == "INDEX" || (second == "UNIQUE" && first.count > 2 && first[2] == "INDEX"):
            let words = SQLWords.split(sql, limit: 12)
            guard let on = words.firstIndex(where: { $0.uppercased() == "ON" }) else { return .other }
            let rest = words[(on + 1)...].drop { $0.uppercased() == "ONLY" }
            return rest.first.map { .index(table: $0) } ?? .other
        case "ALTER" where second == "TABLE":
            let words = SQLWords.split(sql, limit: 10)
            var index = 2
            if index < words.count, words[index].uppercased() == "ONLY" { index += 1 }
            guard index + 4 < words.count else { return .other }
            let table = words[index]
            let action = words[(index + 1)...(index + 4)].map { $0.uppercased() }
            guard action[0] == "ADD", action[1] == "CONSTRAINT",
                action[3] == "PRIMARY" || action[3] == "UNIQUE"
            else { return .other }
            return .index(table: table)
        default:
            return .other
        }
    }
}

/// The first words of a statement's text, split at white space, parentheses, commas and
/// semicolons, with double-quoted identifiers (and their `""`) kept whole inside a word, so
/// that `public."my table"` is one word. Comments before the statement are skipped; only the
/// names a router needs are read this way, never anything that runs.
enum SQLWords {
    static func split(_ sql: String, limit: Int) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var quoted = false
        var bytes = Array(sql.utf8)[...]
        // Leading comments and white space (pg_dump's `-- Name: …` headers).
        while let byte = bytes.first {
            if byte == UInt8(ascii: "-"), bytes.dropFirst().first == UInt8(ascii: "-") {
                bytes = bytes.drop { $0 != UInt8(ascii: "\n") }
            } else if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                bytes = bytes.dropFirst()
            } else {
                break
            }
        }
        for byte in bytes {
            if quoted {
                current.append(byte)
                if byte == UInt8(ascii: "\"") { quoted = false }
                continue
            }
            switch byte {
            case 0x20, 0x0A, 0x09, 0x0D, UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ";"):
                if !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll()
                    if words.count == limit { return words }
                }
            case UInt8(ascii: "\""):
                quoted = true
                current.append(byte)
            default:
                current.append(byte)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}
