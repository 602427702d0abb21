/// The top-level tokens of one SQL statement, as much as the rules need: the first few, the
/// last two, and a few facts. Words are upper-cased; a string literal keeps its text
/// (truncated); anything else (numbers, operators, parentheses, quoted identifiers, dollar
/// quotes) is `?`. Memory stays bounded whatever the statement's length.
struct StatementTokens {
    static let textLimit = 64
    static let firstLimit = 6

    private(set) var first: [String] = []
    private(set) var lastTwo: [String] = []
    private(set) var started = false
    private(set) var hasWordOn = false
    /// A word or string naming a setting that changes how psql lexes what follows.
    private(set) var mentionsLexerSetting = false

    mutating func noteStart() { started = true }

    mutating func word(_ text: String) {
        if text == "ON" { hasWordOn = true }
        if StatementRules.lexerSettings.contains(text) { mentionsLexerSetting = true }
        append(text)
    }

    mutating func string(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if StatementRules.lexerSettings.contains(text.uppercased()) { mentionsLexerSetting = true }
        append("'" + text)
    }

    mutating func other() { append("?") }

    private mutating func append(_ token: String) {
        started = true
        if first.count < Self.firstLimit { first.append(token) }
        lastTwo.append(token)
        if lastTwo.count > 2 { lastTwo.removeFirst() }
    }
}

/// Statements pg_dump never writes into a plain dump of one database, refused so that a
/// planted file can neither leave psql's single transaction (which the refusal rolls back),
/// nor reach past the database being restored, nor make psql read the rest differently from
/// the guard:
///
/// - transaction control: BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE,
///   PREPARE (and so PREPARE TRANSACTION / COMMIT PREPARED) — pg_dump's own `BEGIN;` and
///   `COMMIT;` lines around large objects never get here: `SQLGuard` drops them;
/// - cluster-wide objects: CREATE/ALTER/DROP ROLE, USER (but USER MAPPING), GROUP, DATABASE,
///   TABLESPACE;
///   ALTER SYSTEM; GRANT/REVOKE without ON (role membership); LOAD (a server library);
/// - COPY other than `COPY … FROM stdin` (server-side files and programs);
/// - any mention of `standard_conforming_strings` or `client_encoding` except pg_dump's own
///   `SET standard_conforming_strings = on;` and `SET client_encoding = '…';` with an
///   encoding whose characters cannot hide a quote or backslash.
enum StatementRules {
    static let lexerSettings: Set<String> = ["STANDARD_CONFORMING_STRINGS", "CLIENT_ENCODING"]
    static let transactionControl: Set<String> = [
        "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT",
        "SAVEPOINT", "RELEASE", "PREPARE"
    ]
    /// Client-only encodings (psql lexes them specially: a second byte can be `\` or `'`).
    static let unsafeEncodings: Set<String> = [
        "SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB",
        "WIN932", "WIN936", "WIN949", "WIN950", "SHIFTJIS", "MSKANJI",
        "CP932", "CP936", "CP949", "CP950"
    ]

    /// nil when the statement may run; otherwise what to name and why.
    static func refusal(_ tokens: StatementTokens) -> (command: String, reason: String)? {
        let t = tokens.first
        guard let head = t.first else { return nil }
        let second = t.count > 1 ? t[1] : "", third = t.count > 2 ? t[2] : ""
        if transactionControl.contains(head) {
            return (head, "transaction control would let earlier statements commit before the rest is checked")
        }
        if head == "LOAD" { return (head, "it loads a library into the server") }
        if ["CREATE", "ALTER", "DROP"].contains(head) {
            if second == "ROLE" || second == "GROUP" || (second == "USER" && third != "MAPPING") {
                return ("\(head) \(second)", "roles belong to the whole server, not to one database's dump")
            }
            if second == "DATABASE" || second == "TABLESPACE" {
                return (
                    "\(head) \(second)", "a dump of one database does not create or change databases or tablespaces"
                )
            }
            if head == "ALTER" && second == "SYSTEM" {
                return ("ALTER SYSTEM", "it changes the server's configuration")
            }
        }
        if (head == "GRANT" || head == "REVOKE") && !tokens.hasWordOn {
            return ("\(head) … TO role", "role membership belongs to the whole server")
        }
        if head == "COPY" && tokens.lastTwo != ["FROM", "STDIN"] {
            return ("COPY other than FROM stdin", "COPY to or from a server file or program")
        }
        if tokens.mentionsLexerSetting && !isDumpSetting(t) {
            return (t.prefix(3).joined(separator: " "), "it changes how psql reads the statements that follow")
        }
        return nil
    }

    /// `SET standard_conforming_strings = on` or `SET client_encoding = 'UTF8'`, exactly.
    private static func isDumpSetting(_ t: [String]) -> Bool {
        guard t.count == 4, t[0] == "SET", t[2] == "?" || t[2] == "TO" else { return false }
        let value = t[3].hasPrefix("'") ? String(t[3].dropFirst()).uppercased() : t[3]
        switch t[1] {
        case "STANDARD_CONFORMING_STRINGS": return value == "ON"
        case "CLIENT_ENCODING": return !value.isEmpty && !unsafeEncodings.contains(value)
        default: return false
        }
    }
}
