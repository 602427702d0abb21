/// The trust boundary in front of psql: a sink that passes a backup's plain SQL on only while
/// it is nothing but SQL, and throws `SQLGuardRefusal` (forwarding nothing of the offending
/// chunk) at the first thing psql would run that pg_dump never writes.
///
/// The rules, and why they are enough:
/// - **Meta-commands.** psql runs a backslash as a meta-command wherever its lexer sees it
///   outside a string, quoted identifier, dollar quote or comment — at the start of a line or
///   after `SELECT 1; `. `PsqlLexer` mirrors that lexer byte for byte, so any such backslash is
///   refused, except pg_dump's own `\restrict KEY` and `\unrestrict KEY` lines (column 0, KEY
///   alphanumeric, at most one of each), which are dropped: the restorer runs psql under a key
///   of its own, and psql refuses a second `\restrict`.
/// - **COPY data.** psql reads the lines after a statement that started `COPY … FROM stdin`
///   as data until a line that is exactly `\.` (or `\.\r`), as `handleCopyIn` does; a COPY
///   statement must end its line, so data starts exactly where psql's does. Inside, pg_dump
///   escapes only `\N \\ \b \f \n \r \t \v`; any other backslash is refused, which also stops
///   `\! …` lines after a COPY block that never ends.
/// - **Statements** that let a planted file escape the single transaction or the database
///   (`StatementRules`): the refusal then rolls back everything psql already ran.
/// - **NUL bytes** anywhere: psql's line reader stops at them, so it would read a different
///   text from the one checked here.
/// Memory is bounded: nothing is kept of a line but a meta-command line (at most
/// `metaLineLimit` bytes) and the few tokens `StatementTokens` keeps.
public final class SQLGuard: ByteSink {
    private let downstream: any ByteSink
    private var lexer = PsqlLexer()
    /// 1-based line of the byte being read.
    public private(set) var line = 1
    private var atLineStart = true
    private var statementLine = 0
    private var statementRecorded = false
    /// A column-0 meta-command line being read, to drop (`\restrict`) or refuse.
    private var metaLine: [UInt8]?
    private var metaLineNumber = 0
    private var restrictLines = 0
    private var unrestrictLines = 0
    /// A mid-line backslash: the command's name is read before refusing, to name it.
    private var pendingName: [UInt8]?
    private var pendingLine = 0
    /// After `COPY … FROM stdin;`: only the line end may follow.
    private var copyStatementEnded = false
    private var copyStartLine = 0
    private var copy: CopyState?

    private enum CopyState { case lineStart, data, escape, lineStartBackslash, dot, dotCR }

    /// A column-0 line that may be pg_dump's own `BEGIN;` or `COMMIT;`, held until its end.
    private var held: [UInt8]?
    /// pg_dump wraps large-object data in `BEGIN;` … `COMMIT;` lines, which under psql's
    /// `--single-transaction` would commit everything before them early. Exactly these lines
    /// are dropped (keeping the whole restore in one transaction); any other transaction
    /// control is refused by `StatementRules`.
    private static let droppable: [[UInt8]] = [Array("BEGIN;".utf8), Array("COMMIT;".utf8)]

    static let metaLineLimit = 300
    /// The escapes pg_dump's COPY text output uses (the server's CopyAttributeOutText and `\N`).
    private static let copyEscapes: Set<UInt8> = Set("\\bfnrtvN".utf8)

    /// Forward the line end of each line it drops (`\restrict`, pg_dump's `BEGIN;`/`COMMIT;`), so
    /// that line N of what it passes on is line N of the file: the parallel restore names a
    /// failing statement by its line. psql is given the lines without them, as before.
    private let keepsLineNumbers: Bool

    public init(downstream: any ByteSink, keepsLineNumbers: Bool = false) {
        self.downstream = downstream
        self.keepsLineNumbers = keepsLineNumbers
    }

    public func write(_ chunk: [UInt8]) throws {
        var out: [UInt8] = []
        // A meta-command line begun in an earlier chunk: its bytes here are not forwarded.
        var segmentStart: Int? = metaLine == nil && held == nil ? 0 : nil
        var modified = segmentStart == nil
        var index = chunk.startIndex
        while index < chunk.endIndex {
            defer { index += 1 }
            if copy == .data {
                // Most of a dump is COPY data: skip to the next byte that matters.
                while index < chunk.endIndex, chunk[index] != 0x0A, chunk[index] != 0x5C, chunk[index] != 0 {
                    index += 1
                }
                if index == chunk.endIndex { break }
            }
            let byte = chunk[index]
            if pendingName != nil {
                try continueName(byte)
                continue
            }
            if byte == 0 {
                throw SQLGuardRefusal(
                    line: line, kind: .malformed, command: "NUL byte",
                    reason: "a NUL byte, which psql's line reader would cut the line at")
            }
            if copy != nil {
                try copyByte(byte)
                continue
            }
            if metaLine != nil {
                if byte == UInt8(ascii: "\n") {
                    try endMetaLine()
                    segmentStart = keepsLineNumbers ? index : index + 1
                    line += 1
                    atLineStart = true
                } else {
                    metaLine!.append(byte)
                    if metaLine!.count > Self.metaLineLimit { throw metaRefusal(metaLine!, line: metaLineNumber) }
                }
                continue
            }
            if let bytes = held {
                if byte == UInt8(ascii: "\n") && Self.droppable.contains(bytes) {
                    held = nil
                    segmentStart = keepsLineNumbers ? index : index + 1
                    line += 1
                    atLineStart = true
                    continue
                }
                if byte != UInt8(ascii: "\n")
                    && Self.droppable.contains(where: { $0.count > bytes.count && $0[bytes.count] == byte })
                {
                    held!.append(byte)
                    continue
                }
                // Not pg_dump's line: read and pass on the held bytes as any others, then this one.
                held = nil
                for heldByte in bytes { _ = try lex(heldByte) }
                out.append(contentsOf: bytes)
                segmentStart = index
                atLineStart = false
            }
            if byte == UInt8(ascii: "\n") {
                if copyStatementEnded {
                    copyStatementEnded = false
                    copy = .lineStart
                }
                lexer.endOfLine()
                line += 1
                atLineStart = true
                continue
            }
            if copyStatementEnded {
                throw SQLGuardRefusal(
                    line: line, kind: .copyData, command: "text after FROM stdin;",
                    reason: "a line that starts COPY data must end with `FROM stdin;`")
            }
            if atLineStart, byte == UInt8(ascii: "B") || byte == UInt8(ascii: "C"), case .initial = lexer.mode,
                !lexer.tokens.started
            {
                if let start = segmentStart { out.append(contentsOf: chunk[start..<index]) }
                modified = true
                segmentStart = nil
                held = [byte]
                atLineStart = false
                continue
            }
            if try lex(byte) == .backslash {
                if atLineStart {
                    if let start = segmentStart { out.append(contentsOf: chunk[start..<index]) }
                    modified = true
                    segmentStart = nil
                    metaLine = [byte]
                    metaLineNumber = line
                } else {
                    pendingName = [byte]
                    pendingLine = line
                }
            }
            atLineStart = false
        }
        if pendingName != nil { return }
        if !modified {
            if metaLine == nil && held == nil { try downstream.write(chunk) }
            return
        }
        if let start = segmentStart { out.append(contentsOf: chunk[start...]) }
        if !out.isEmpty { try downstream.write(out) }
    }

    /// One byte of SQL (outside COPY data) through the lexer; statements are judged at their
    /// end. Returns `.backslash` for the caller, which knows where the line started.
    private func lex(_ byte: UInt8) throws -> PsqlLexer.Event {
        let event = lexer.feed(byte)
        if !statementRecorded && lexer.tokens.started {
            statementRecorded = true
            statementLine = line
        }
        switch event {
        case .none, .backslash: break
        case .statementEnd:
            try endStatement()
        case .tagTooLong:
            throw SQLGuardRefusal(
                line: line, kind: .malformed, command: "$…$",
                reason: "a dollar-quote tag longer than \(PsqlLexer.tagLimit) bytes")
        }
        return event
    }

    /// The end of the SQL: refuses what can only be judged there (a command cut off by the
    /// end, COPY data or a quote never closed, a last statement without `;`).
    public func finish() throws {
        if let name = pendingName { throw metaRefusal(name, line: pendingLine) }
        if let bytes = held {
            held = nil
            if !Self.droppable.contains(bytes) {
                for heldByte in bytes { _ = try lex(heldByte) }
                try downstream.write(bytes)
            }
        }
        if metaLine != nil { try endMetaLine() }
        if copy != nil || copyStatementEnded {
            throw SQLGuardRefusal(
                line: line, kind: .copyData, command: "COPY at line \(copyStartLine)",
                reason: "the SQL ends inside COPY data, without the `\\.` line that ends it")
        }
        lexer.endOfLine()
        if lexer.insideQuoteOrComment {
            throw SQLGuardRefusal(
                line: line, kind: .malformed, command: "end of file",
                reason: "the SQL ends inside a quoted string, quoted identifier, dollar quote or comment")
        }
        if lexer.tokens.started, let refusal = StatementRules.refusal(lexer.tokens) {
            throw SQLGuardRefusal(
                line: statementLine, kind: .statement, command: refusal.command, reason: refusal.reason)
        }
    }

    private func endStatement() throws {
        let tokens = lexer.tokens
        if let refusal = StatementRules.refusal(tokens) {
            throw SQLGuardRefusal(
                line: statementLine, kind: .statement, command: refusal.command, reason: refusal.reason)
        }
        if tokens.first.first == "COPY" {
            copyStatementEnded = true
            copyStartLine = statementLine
        }
        lexer.resetStatement()
        statementRecorded = false
    }

    private func copyByte(_ byte: UInt8) throws {
        switch copy! {
        case .lineStart:
            if byte == UInt8(ascii: "\\") { copy = .lineStartBackslash; return }
            copy = .data
            try copyByte(byte)
        case .data:
            if byte == UInt8(ascii: "\n") {
                line += 1; copy = .lineStart
            } else if byte == UInt8(ascii: "\\") {
                copy = .escape
            }
        case .escape, .lineStartBackslash:
            if byte == UInt8(ascii: "."), copy == .lineStartBackslash { copy = .dot; return }
            guard Self.copyEscapes.contains(byte) else {
                let shown =
                    byte == UInt8(ascii: "\n")
                    ? "\\ at the end of a line" : "\\" + String(decoding: [byte], as: UTF8.self)
                throw SQLGuardRefusal(
                    line: line, kind: .copyData, command: shown,
                    reason: "COPY data holds a backslash sequence pg_dump never writes")
            }
            copy = .data
        case .dot, .dotCR:
            if byte == UInt8(ascii: "\n") {
                copy = nil
                line += 1
                atLineStart = true
            } else if byte == 0x0D && copy == .dot {
                copy = .dotCR
            } else {
                throw SQLGuardRefusal(
                    line: line, kind: .copyData, command: "\\.",
                    reason: "`\\.` followed by more text inside COPY data")
            }
        }
    }

    private func endMetaLine() throws {
        guard let bytes = metaLine else { return }
        metaLine = nil
        let text = String(decoding: bytes, as: UTF8.self)
        for (command, count) in [("\\restrict ", restrictLines), ("\\unrestrict ", unrestrictLines)]
        where text.hasPrefix(command) {
            let key = text.dropFirst(command.count)
            let alphanumeric =
                !key.isEmpty
                && key.utf8.allSatisfy {
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
                }
            if alphanumeric && count == 0 {
                if command == "\\restrict " { restrictLines += 1 } else { unrestrictLines += 1 }
                return
            }
        }
        throw metaRefusal(bytes, line: metaLineNumber)
    }

    private func continueName(_ byte: UInt8) throws {
        guard var name = pendingName else { return }
        let isNameByte = PsqlLexer.isIdentStart(byte) || PsqlLexer.isDigit(byte)
        if name.count == 1 {
            name.append(byte)
            pendingName = name
            if !isNameByte || byte == UInt8(ascii: "\n") { throw metaRefusal(name, line: pendingLine) }
            return
        }
        if isNameByte && name.count < 16 { pendingName!.append(byte); return }
        throw metaRefusal(name, line: pendingLine)
    }

    /// Names a meta-command as psql reads it: `\` and a word (`\copy`), or one character (`\!`).
    private func metaRefusal(_ bytes: [UInt8], line: Int) -> SQLGuardRefusal {
        var name: [UInt8] = [UInt8(ascii: "\\")]
        for byte in bytes.dropFirst() {
            let isNameByte = PsqlLexer.isIdentStart(byte) || PsqlLexer.isDigit(byte)
            if name.count == 1 {
                if byte == UInt8(ascii: "\n") || byte == 0x0D { break }
                name.append(byte)
                if !isNameByte { break }
            } else if isNameByte && name.count < 16 {
                name.append(byte)
            } else {
                break
            }
        }
        return SQLGuardRefusal(
            line: line, kind: .metaCommand, command: String(decoding: name, as: UTF8.self),
            reason: "psql meta-command outside COPY data")
    }
}
