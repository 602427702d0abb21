/// A byte-at-a-time mirror of psql 15's SQL lexer (src/fe_utils/psqlscan.l): it knows, for
/// every byte of one input line, whether psql sees it inside a string, quoted identifier,
/// dollar quote or comment, or at top level, where a backslash starts a meta-command and a
/// semicolon (outside parentheses and `BEGIN ATOMIC … END`) sends a statement.
///
/// It mirrors psql, not the server: psql lexes each input line on its own (the `\n` is never
/// part of its lexer input, a `\r` is), so tokens end at a line end while quotes, comments and
/// the "just closed a string" look-ahead (`xqs`) carry over. It assumes what pg_dump sets at the
/// top of every dump: `standard_conforming_strings = on` and a client encoding whose multibyte
/// characters never contain ASCII bytes; `StatementRules` refuses statements that change
/// either, and the `\restrict` key under which psql runs covers what a lexer cannot see.
struct PsqlLexer {
    enum Event { case none, backslash, statementEnd, tagTooLong }

    enum Mode {
        case initial
        case dash  // one `-` seen: a second starts a comment
        case slash  // one `/` seen: a `*` starts a comment
        case lineComment
        case blockComment
        case word  // identifier (ident_start ident_cont*)
        case uAmp  // `u&` seen: a quote or double quote follows, or not
        case number
        case numberE  // digits then `e`: real, or the `e` starts a new token
        case numberESign(UInt8)
        case numberExp
        case dollar  // `$` seen in top level
        case dollarTag  // `$tag` being read
        case param  // `$1`
        case quoted  // '…' (escapes: E'…')
        case quotedEscape  // the byte after a backslash in E'…'
        case afterQuote  // psql's xqs: a closing quote, maybe continued
        case doubleQuoted
        case afterDoubleQuote
        case dollarBody
        case dollarClose  // `$` inside a dollar quote: matching the closing tag
    }

    private(set) var mode: Mode = .initial
    private(set) var parenDepth = 0
    private(set) var beginDepth = 0
    /// Whether the current quoted string takes backslash escapes (E'…').
    private var escapes = false
    private var commentDepth = 0
    private var commentSawSlash = false
    private var commentSawStar = false
    /// xqs look-ahead: a newline (`\r`) seen, a `-` seen, inside a `--` comment, any byte read
    /// on this line, or the line ended right after the quote.
    private var xqsNewline = false, xqsDash = false, xqsComment = false, xqsConsumed = false, xqsCrossedLine = false
    private var dollarTagBytes: [UInt8] = []
    private var openTag: [UInt8] = []
    private var closeIndex = 0
    private var wordBytes: [UInt8] = []
    private var wordLength = 0
    private var stringBytes: [UInt8] = []
    private var identifierCount = 0
    private var identifiers: [UInt8] = [0, 0, 0, 0]
    /// The tokens of the statement being read, for `StatementRules`.
    var tokens = StatementTokens()

    static let tagLimit = 256

    /// Whether the lexer is inside something that psql continues on the next line.
    var insideQuoteOrComment: Bool {
        switch mode {
        case .blockComment, .quoted, .quotedEscape, .doubleQuoted, .dollarBody, .dollarClose: return true
        default: return false
        }
    }

    /// True at top level with nothing pending: where a line may start with a meta-command.
    var atTopLevel: Bool {
        switch mode {
        case .initial, .afterQuote, .afterDoubleQuote: return true
        default: return false
        }
    }

    // MARK: feeding

    mutating func feed(_ byte: UInt8) -> Event {
        switch mode {
        case .initial: return initial(byte)
        case .dash:
            if byte == UInt8(ascii: "-") { mode = .lineComment; return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .slash:
            if byte == UInt8(ascii: "*") { mode = .blockComment; commentDepth = 0; clearComment(); return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .lineComment:
            if byte == 0x0D { mode = .initial }
            return .none
        case .blockComment:
            blockComment(byte)
            return .none
        case .word:
            if Self.isIdentCont(byte) { appendWord(byte); return .none }
            if wordLength == 1, let prefix = wordBytes.first {
                let lower = prefix | 0x20
                if byte == UInt8(ascii: "'")
                    && (lower == UInt8(ascii: "e") || lower == UInt8(ascii: "b")
                        || lower == UInt8(ascii: "x") || lower == UInt8(ascii: "n"))
                {
                    // E'…', B'…', X'…', N'…' are string tokens, not identifiers.
                    startString(escapes: lower == UInt8(ascii: "e"))
                    return .none
                }
                if byte == UInt8(ascii: "&") && lower == UInt8(ascii: "u") { mode = .uAmp; return .none }
            }
            endWord()
            return initial(byte)
        case .uAmp:
            if byte == UInt8(ascii: "'") { startString(escapes: false); return .none }
            if byte == UInt8(ascii: "\"") { mode = .doubleQuoted; return .none }
            // xufailed: `u` is an identifier, `&` an operator.
            endWord()
            tokens.other()
            return initial(byte)
        case .number:
            if Self.isDigit(byte) || byte == UInt8(ascii: ".") { return .none }
            if byte | 0x20 == UInt8(ascii: "e") { mode = .numberE; return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .numberE:
            if Self.isDigit(byte) { mode = .numberExp; return .none }
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { mode = .numberESign(byte); return .none }
            // realfail1: the number ends, the `e` starts an identifier (or E'…').
            tokens.other()
            startWord(UInt8(ascii: "e"))
            return feed(byte)
        case .numberESign(let sign):
            if Self.isDigit(byte) { mode = .numberExp; return .none }
            // realfail2: number, identifier `e`, then the sign and this byte at top level.
            tokens.other()
            startWord(UInt8(ascii: "e"))
            endWord()
            _ = initial(sign)
            return feed(byte)
        case .numberExp:
            if Self.isDigit(byte) { return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .dollar:
            if byte == UInt8(ascii: "$") { openDollar(tag: []); return .none }
            if Self.isDolqStart(byte) { dollarTagBytes = [byte]; mode = .dollarTag; return .none }
            if Self.isDigit(byte) { mode = .param; return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .dollarTag:
            if byte == UInt8(ascii: "$") { openDollar(tag: dollarTagBytes); return .none }
            if Self.isDolqCont(byte) {
                dollarTagBytes.append(byte)
                // psql has no limit, but no dump has a tag this long; memory stays bounded.
                return dollarTagBytes.count > Self.tagLimit ? .tagTooLong : .none
            }
            // dolqfailed: `$` alone, then the tag is read again as an identifier.
            tokens.other()
            let tag = dollarTagBytes
            startWord(tag[0])
            for b in tag.dropFirst() { appendWord(b) }
            return feed(byte)
        case .param:
            if Self.isDigit(byte) { return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .quoted:
            if byte == UInt8(ascii: "'") {
                mode = .afterQuote
                xqsNewline = false; xqsDash = false; xqsComment = false; xqsConsumed = false; xqsCrossedLine = false
            } else if escapes && byte == UInt8(ascii: "\\") {
                mode = .quotedEscape
            } else if stringBytes.count < StatementTokens.textLimit {
                stringBytes.append(byte)
            }
            return .none
        case .quotedEscape:
            mode = .quoted
            if stringBytes.count < StatementTokens.textLimit { stringBytes.append(byte) }
            return .none
        case .afterQuote:
            return afterQuote(byte)
        case .doubleQuoted:
            if byte == UInt8(ascii: "\"") { mode = .afterDoubleQuote }
            return .none
        case .afterDoubleQuote:
            if byte == UInt8(ascii: "\"") { mode = .doubleQuoted; return .none }
            mode = .initial
            tokens.other()
            return initial(byte)
        case .dollarBody:
            if byte == UInt8(ascii: "$") { mode = .dollarClose; closeIndex = 0 }
            return .none
        case .dollarClose:
            if closeIndex == openTag.count {
                if byte == UInt8(ascii: "$") {
                    mode = .initial
                    tokens.other()
                } else {
                    mode = .dollarBody
                }
                return .none
            }
            if byte == openTag[closeIndex] { closeIndex += 1; return .none }
            if byte == UInt8(ascii: "$") { closeIndex = 0; return .none }
            mode = .dollarBody
            return .none
        }
    }

    /// The end of one input line (the `\n`, which psql's lexer never sees).
    mutating func endOfLine() {
        switch mode {
        case .initial, .lineComment: mode = .initial
        case .dash, .slash, .number, .numberExp, .param, .dollar:
            mode = .initial
            tokens.other()
        case .numberE, .numberESign:
            mode = .initial
            tokens.other()
            startWord(UInt8(ascii: "e"))
            endWord()
            tokens.other()
        case .word:
            endWord()
        case .uAmp:
            endWord()
            tokens.other()
        case .dollarTag:
            tokens.other()
            startWord(dollarTagBytes[0])
            for b in dollarTagBytes.dropFirst() { appendWord(b) }
            endWord()
        case .blockComment:
            commentSawSlash = false
            commentSawStar = false
        case .quotedEscape:
            mode = .quoted
        case .afterQuote:
            if xqsConsumed {
                // quotecontinuefail: back to top level; the string was one token.
                endString()
            } else {
                xqsCrossedLine = true
            }
        case .afterDoubleQuote:
            mode = .initial
            tokens.other()
        case .dollarClose:
            mode = .dollarBody
        case .quoted, .doubleQuoted, .dollarBody:
            break
        }
    }

    /// A statement was sent (or the file ended): start the next one.
    mutating func resetStatement() {
        tokens = StatementTokens()
    }

    // MARK: states

    private mutating func initial(_ byte: UInt8) -> Event {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0C, 0x0D:
            return .none
        case UInt8(ascii: "-"): mode = .dash
        case UInt8(ascii: "/"): mode = .slash
        case UInt8(ascii: "'"): startString(escapes: false)
        case UInt8(ascii: "\""): tokens.noteStart(); mode = .doubleQuoted
        case UInt8(ascii: "$"): tokens.noteStart(); mode = .dollar
        case UInt8(ascii: "\\"): return .backslash
        case UInt8(ascii: "("): parenDepth += 1; tokens.other()
        case UInt8(ascii: ")"): if parenDepth > 0 { parenDepth -= 1 }; tokens.other()
        case UInt8(ascii: ";"):
            if parenDepth == 0 && beginDepth == 0 {
                identifierCount = 0
                return .statementEnd
            }
            tokens.other()
        default:
            if Self.isIdentStart(byte) {
                startWord(byte)
            } else if Self.isDigit(byte) {
                tokens.noteStart(); mode = .number
            } else {
                tokens.other()
            }
        }
        return .none
    }

    private mutating func afterQuote(_ byte: UInt8) -> Event {
        if xqsComment {
            xqsConsumed = true
            if byte == 0x0D { xqsComment = false; xqsNewline = true }
            return .none
        }
        switch byte {
        case UInt8(ascii: "'") where !xqsDash:
            if xqsNewline || (!xqsConsumed && !xqsCrossedLine) {
                // quotecontinue, or '' inside the string: the same string goes on.
                mode = .quoted
                return .none
            }
        case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0C:
            if !xqsDash { xqsConsumed = true; return .none }
        case 0x0D:
            if !xqsDash { xqsConsumed = true; xqsNewline = true; return .none }
        case UInt8(ascii: "-"):
            xqsConsumed = true
            if xqsDash { xqsDash = false; xqsComment = true } else { xqsDash = true }
            return .none
        default:
            break
        }
        // No continuation: the string ended at its quote; read what followed at top level.
        let dash = xqsDash
        endString()
        if dash { mode = .dash }
        return feed(byte)
    }

    private mutating func blockComment(_ byte: UInt8) {
        if commentSawSlash && byte == UInt8(ascii: "*") {
            commentDepth += 1
            clearComment()
            return
        }
        if commentSawStar && byte == UInt8(ascii: "/") {
            if commentDepth == 0 { mode = .initial } else { commentDepth -= 1 }
            clearComment()
            return
        }
        commentSawSlash = byte == UInt8(ascii: "/")
        commentSawStar = byte == UInt8(ascii: "*")
    }

    private mutating func clearComment() {
        commentSawSlash = false
        commentSawStar = false
    }

    private mutating func startString(escapes: Bool) {
        tokens.noteStart()
        self.escapes = escapes
        stringBytes.removeAll(keepingCapacity: true)
        mode = .quoted
    }

    private mutating func endString() {
        mode = .initial
        tokens.string(stringBytes)
    }

    private mutating func openDollar(tag: [UInt8]) {
        openTag = tag
        mode = .dollarBody
    }

    private mutating func startWord(_ byte: UInt8) {
        tokens.noteStart()
        wordBytes.removeAll(keepingCapacity: true)
        wordBytes.append(byte)
        wordLength = 1
        mode = .word
    }

    private mutating func appendWord(_ byte: UInt8) {
        wordLength += 1
        if wordBytes.count <= StatementTokens.textLimit { wordBytes.append(byte) }
    }

    /// An identifier ended: psql's heuristic for `CREATE [OR REPLACE] FUNCTION|PROCEDURE …
    /// BEGIN ATOMIC … END`, whose semicolons do not end the statement, copied exactly.
    private mutating func endWord() {
        mode = .initial
        let lower = wordBytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        let text = String(decoding: lower, as: UTF8.self)
        if identifierCount == 0 { identifiers = [0, 0, 0, 0] }
        if ["create", "function", "procedure", "or", "replace"].contains(text) && identifierCount < 4 {
            identifiers[identifierCount] = lower[0]
        }
        identifierCount += 1
        let c = UInt8(ascii: "c"), f = UInt8(ascii: "f"), p = UInt8(ascii: "p"), o = UInt8(ascii: "o"),
            r = UInt8(ascii: "r")
        if identifiers[0] == c
            && (identifiers[1] == f || identifiers[1] == p
                || (identifiers[1] == o && identifiers[2] == r && (identifiers[3] == f || identifiers[3] == p)))
            && parenDepth == 0
        {
            if text == "begin" {
                beginDepth += 1
            } else if text == "case" {
                if beginDepth >= 1 { beginDepth += 1 }
            } else if text == "end" {
                if beginDepth > 0 { beginDepth -= 1 }
            }
        }
        tokens.word(wordLength > StatementTokens.textLimit ? "" : text.uppercased())
    }

    // MARK: character classes (psqlscan.l's)

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isIdentStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == UInt8(ascii: "_") || b >= 0x80
    }
    static func isIdentCont(_ b: UInt8) -> Bool { isIdentStart(b) || isDigit(b) || b == UInt8(ascii: "$") }
    static func isDolqStart(_ b: UInt8) -> Bool { isIdentStart(b) }
    static func isDolqCont(_ b: UInt8) -> Bool { isIdentStart(b) || isDigit(b) }
}
