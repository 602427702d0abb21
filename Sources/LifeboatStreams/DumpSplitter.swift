/// Where a `DumpSplitter` hands what it reads: statements whole, COPY data in chunks.
public protocol DumpStatementSink: AnyObject {
    /// A complete statement (for `.copy`, its data follows through `copyData`, then `copyEnd`).
    func statement(_ statement: DumpStatement) throws
    /// Rows of the COPY block under way, in pg_dump's text format, never the closing `\.` line.
    func copyData(_ rows: ArraySlice<UInt8>) throws
    func copyEnd() throws
}

/// Splits the SQL that `SQLGuard` passes on into statements and COPY data, reading it as psql
/// does: `PsqlLexer` finds each statement's end (a `;` outside quotes, comments, parentheses and
/// `BEGIN ATOMIC … END`), and after a `COPY … FROM stdin;` line the data runs to the line that
/// is exactly `\.`. This is what lets the restore send the pieces over several connections
/// without psql: the guard in front has already refused everything that is not SQL pg_dump
/// writes, so the splitter judges nothing and only cuts.
///
/// Memory: one statement is held at a time (pg_dump's longest are function bodies and views);
/// COPY data is handed on as slices of the chunk it arrived in, never gathered. A statement
/// is handed on only once the guard has passed its `;`, since the guard forwards a chunk only
/// after checking all of it.
public final class DumpSplitter: ByteSink {
    private let sink: any DumpStatementSink
    private var lexer = PsqlLexer()
    /// 1-based line of the next byte (the guard keeps line ends of the lines it drops).
    public private(set) var line = 1
    private var pending: [UInt8] = []
    private var startLine = 0
    private var started = false
    /// After a COPY statement's `;`: its data starts after the line end.
    private var copyAwaitingLineEnd = false
    private var inCopy = false
    private var copyLineStart = true
    /// Bytes at the start of a data line that may be the `\.` line, held until decided.
    private var held: [UInt8] = []

    private static let terminators: [[UInt8]] = [Array("\\.\n".utf8), Array("\\.\r\n".utf8)]
    private static let terminatorPrefixes: [[UInt8]] = [Array("\\".utf8), Array("\\.".utf8), Array("\\.\r".utf8)]

    public init(sink: any DumpStatementSink) {
        self.sink = sink
    }

    public func write(_ chunk: [UInt8]) throws {
        var index = chunk.startIndex
        while index < chunk.endIndex {
            if inCopy {
                index = try copy(chunk, from: index)
            } else {
                index = try statements(chunk, from: index)
            }
        }
    }

    /// The end of the SQL: a last statement without `;` runs too, as psql runs it at end of input.
    public func finish() throws {
        lexer.endOfLine()
        if lexer.tokens.started { try emit() }
    }

    private func statements(_ chunk: [UInt8], from start: Int) throws -> Int {
        var index = start
        while index < chunk.endIndex {
            let byte = chunk[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                if copyAwaitingLineEnd {
                    copyAwaitingLineEnd = false
                    inCopy = true
                    copyLineStart = true
                    return index
                }
                lexer.endOfLine()
                if started || !pending.isEmpty { pending.append(byte) }
                continue
            }
            pending.append(byte)
            let event = lexer.feed(byte)
            if !started && lexer.tokens.started {
                started = true
                startLine = line
            }
            if event == .statementEnd {
                let isCopy = try emit()
                if isCopy { copyAwaitingLineEnd = true }
            }
        }
        return index
    }

    /// Hands on the statement read so far; true when it is a COPY whose data follows.
    @discardableResult
    private func emit() throws -> Bool {
        let sql = String(decoding: pending, as: UTF8.self)
        let kind = DumpStatement.kind(lexer.tokens, sql: sql)
        let statement = DumpStatement(text: pending, line: startLine, kind: kind)
        lexer.resetStatement()
        pending.removeAll(keepingCapacity: pending.count < 1 << 16)
        started = false
        try sink.statement(statement)
        if case .copy = kind { return true }
        return false
    }

    private func copy(_ chunk: [UInt8], from start: Int) throws -> Int {
        var index = start
        var segmentStart = start
        // Where the bytes in `held` that belong to this chunk begin (the rest came before it).
        var heldStart: Int?
        var carried = held
        while index < chunk.endIndex {
            if copyLineStart {
                let byte = chunk[index]
                if held.isEmpty && byte != UInt8(ascii: "\\") {
                    copyLineStart = false
                    continue
                }
                if heldStart == nil { heldStart = index }
                held.append(byte)
                index += 1
                if Self.terminators.contains(held) {
                    line += 1
                    let end = max(segmentStart, heldStart!)
                    if end > segmentStart { try sink.copyData(chunk[segmentStart..<end]) }
                    held.removeAll()
                    inCopy = false
                    try sink.copyEnd()
                    return index
                }
                if Self.terminatorPrefixes.contains(held) { continue }
                // An ordinary line that starts with a backslash escape: its bytes are data.
                if !carried.isEmpty {
                    // Bytes from the previous chunk come before anything of this one.
                    let earlier = carried
                    carried = []
                    try sink.copyData(earlier[...])
                }
                held.removeAll()
                heldStart = nil
                copyLineStart = byte == UInt8(ascii: "\n")
                if byte == UInt8(ascii: "\n") { line += 1 }
                continue
            }
            guard let end = chunk[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                index = chunk.endIndex
                break
            }
            line += 1
            index = end + 1
            copyLineStart = true
        }
        // The chunk ended: pass on its data, less any bytes of a possible `\.` line still held.
        let end = heldStart ?? chunk.endIndex
        if end > segmentStart { try sink.copyData(chunk[segmentStart..<end]) }
        segmentStart = chunk.endIndex
        return chunk.endIndex
    }
}
