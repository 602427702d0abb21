import Foundation

/// Counts the data rows of each `COPY table (...) FROM stdin;` block of a plain-format dump as
/// it streams past, so the manifest records what the dump really holds without a second pass.
///
/// In COPY text format every row is one line (newlines inside values are escaped as `\n`) and
/// a block ends with a line holding only `\.`, which makes a line scanner exact.
public final class RowCountTap: ByteSource {
    public struct TableCount: Sendable, Equatable, Codable {
        public let schema: String
        public let name: String
        public var rows: Int64
        /// The names' bytes in hex, only for a name that is not UTF-8 (a table of a SQL_ASCII or
        /// LATIN1 database): a JSON string cannot carry those bytes (`schema` and `name` show
        /// U+FFFD for them), and the count after a restore must find the table by its exact name.
        public var schemaHex: String?
        public var nameHex: String?
        public init(schema: String, name: String, rows: Int64, schemaHex: String? = nil, nameHex: String? = nil) {
            self.schema = schema
            self.name = name
            self.rows = rows
            self.schemaHex = schemaHex
            self.nameHex = nameHex
        }
        /// From the bytes of a dump's COPY line, keeping the hex of a name that is not UTF-8.
        init(schemaBytes: [UInt8], nameBytes: [UInt8], rows: Int64) {
            func hexIfNotUTF8(_ bytes: [UInt8]) -> String? {
                String(validating: bytes, as: UTF8.self) == nil
                    ? bytes.map { String(format: "%02x", $0) }.joined() : nil
            }
            self.init(
                schema: String(decoding: schemaBytes, as: UTF8.self), name: String(decoding: nameBytes, as: UTF8.self),
                rows: rows,
                schemaHex: hexIfNotUTF8(schemaBytes), nameHex: hexIfNotUTF8(nameBytes))
        }
        public var qualifiedName: String { "\(schema).\(name)" }
    }

    private let upstream: any ByteSource
    public private(set) var tables: [TableCount] = []
    public private(set) var byteCount: Int64 = 0
    /// Large objects, sequences and materialized views, read from the lines outside COPY blocks
    /// in this same pass (see `DumpObjectScanner`).
    public let objects = DumpObjectScanner()

    private var inCopy = false
    private var rows: Int64 = 0
    /// The start of the current line, kept only as far as needed to recognise it.
    private var lineHead: [UInt8] = []
    private var lineLength = 0
    /// The first two bytes of the current line: inside a COPY block that is all a line needs,
    /// so the millions of data rows cost two byte stores and a count, no array work.
    private var first: UInt8 = 0
    private var second: UInt8 = 0
    private static let headLimit = 4096

    public init(upstream: any ByteSource) {
        self.upstream = upstream
        lineHead.reserveCapacity(Self.headLimit)
    }

    public func next() throws -> [UInt8]? {
        guard let chunk = try upstream.next() else {
            if lineLength > 0 { endLine() }
            return nil
        }
        byteCount += Int64(chunk.count)
        scan(chunk)
        return chunk
    }

    /// Feeds bytes directly (for callers that own the loop, and for tests).
    public func scan(_ chunk: [UInt8]) {
        chunk.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            let count = buffer.count
            while start < count {
                let found = memchr(base + start, Int32(UInt8(ascii: "\n")), count - start)
                let end = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
                appendToLine(UnsafeBufferPointer(rebasing: buffer[start..<end]))
                if found != nil { endLine() }
                start = end + 1
            }
        }
    }

    /// Closes an unterminated last line; call when the stream is done if you used `scan` directly.
    public func finish() {
        if lineLength > 0 { endLine() }
    }

    private func appendToLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        if lineLength < 2 {
            for (offset, byte) in bytes.prefix(2 - lineLength).enumerated() {
                if lineLength + offset == 0 { first = byte } else { second = byte }
            }
        }
        // Inside a COPY block only "\." matters; elsewhere the head names the table.
        if !inCopy { objects.append(bytes) }
        if !inCopy && lineHead.count < Self.headLimit {
            lineHead.append(contentsOf: bytes.prefix(Self.headLimit - lineHead.count))
        }
        lineLength += bytes.count
    }

    private func endLine() {
        if inCopy {
            if lineLength == 2 && first == UInt8(ascii: "\\") && second == UInt8(ascii: ".") {
                inCopy = false
                tables[tables.count - 1].rows = rows
            } else {
                rows += 1
            }
            lineLength = 0
            return
        }
        objects.endLine()
        // A quoted name may hold a newline, which pg_dump writes as it is: the COPY line goes on
        // on the next line. An odd number of quotes so far means the name is still open.
        if lineLength < Self.headLimit, lineHead.starts(with: Self.copyPrefix),
            lineHead.reduce(0, { $0 + ($1 == UInt8(ascii: "\"") ? 1 : 0) }) % 2 == 1
        {
            lineHead.append(UInt8(ascii: "\n"))
            lineLength += 1
            return
        }
        defer {
            lineHead.removeAll(keepingCapacity: true)
            lineLength = 0
        }
        guard lineLength < Self.headLimit, lineHead.starts(with: Self.copyPrefix),
            lineHead.reversed().starts(with: Self.copySuffix.reversed()),
            let name = Self.parseTableName(lineHead.dropFirst(Self.copyPrefix.count))
        else { return }
        tables.append(TableCount(schemaBytes: name.schema, nameBytes: name.table, rows: 0))
        inCopy = true
        rows = 0
    }

    private static let copyPrefix = Array("COPY ".utf8)
    private static let copySuffix = Array(" FROM stdin;".utf8)

    /// Parses `schema.table` where either part may be double-quoted (with `""` for a quote).
    static func parseTableName(_ bytes: ArraySlice<UInt8>) -> (schema: [UInt8], table: [UInt8])? {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var quoted = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    let nextIndex = bytes.index(after: index)
                    if nextIndex < bytes.endIndex && bytes[nextIndex] == UInt8(ascii: "\"") {
                        current.append(byte)
                        index = nextIndex
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ".") {
                parts.append(current)
                current = []
            } else if byte == UInt8(ascii: " ") {
                break
            } else {
                current.append(byte)
            }
            index = bytes.index(after: index)
        }
        parts.append(current)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        return (parts[0], parts[1])
    }
}
