import Foundation

/// Reads, from the statements of a plain-format dump (everything outside COPY blocks, which
/// `RowCountTap` hands over line by line), what a user notices beside rows: the large objects
/// (`lo_create`, then `lo_open` / `lowrite` / `lo_close` with the bytes in hex), each sequence's
/// `setval`, and which materialized views are populated (pg_dump creates each `WITH NO DATA` and
/// writes `REFRESH MATERIALIZED VIEW` only for a populated one). Taken from the stream, the
/// numbers are the snapshot's, not the live database's a moment later.
///
/// These statements are recognised at the start of a line, as pg_dump writes them; a function
/// body holding such a line at its start could add a false entry, which validation would then
/// report rather than hide.
public final class DumpObjectScanner {
    /// The large objects as a count and one checksum, so the manifest stays small whatever their number.
    public struct LargeObjects: Sendable, Codable, Equatable {
        public var count: Int
        /// SHA-256 over one line per object in ascending oid order: `<oid> <sha256 of its bytes>\n`.
        public var sha256: String
        public init(count: Int, sha256: String) {
            self.count = count
            self.sha256 = sha256
        }

        /// The checksum of `(oid, SHA-256 of the bytes in hex)` pairs, in any order.
        public static func summarise(_ objects: [(oid: UInt32, sha256: String)]) -> LargeObjects {
            var digest = SHA256Digest()
            for object in objects.sorted(by: { $0.oid < $1.oid }) {
                digest.update(Array("\(object.oid) \(object.sha256)\n".utf8))
            }
            return LargeObjects(count: objects.count, sha256: digest.hexDigest())
        }
    }

    public struct SequenceValue: Sendable, Codable, Equatable {
        public var schema: String
        public var name: String
        public var lastValue: Int64
        public var isCalled: Bool
        public init(schema: String, name: String, lastValue: Int64, isCalled: Bool) {
            self.schema = schema
            self.name = name
            self.lastValue = lastValue
            self.isCalled = isCalled
        }
        public var qualifiedName: String { "\(schema).\(name)" }
    }

    public struct MaterializedView: Sendable, Codable, Equatable {
        public var schema: String
        public var name: String
        public var populated: Bool
        public init(schema: String, name: String, populated: Bool) {
            self.schema = schema
            self.name = name
            self.populated = populated
        }
        public var qualifiedName: String { "\(schema).\(name)" }
    }

    public private(set) var sequences: [SequenceValue] = []
    public private(set) var materializedViews: [MaterializedView] = []
    /// Each large object's digest by oid; one created but never written is empty.
    private var objectDigests: [UInt32: String] = [:]
    private var open: (oid: UInt32, digest: SHA256Digest)?

    private var head: [UInt8] = []
    private static let headLimit = 4096
    /// Inside a `lowrite` line: its hex digits are decoded as they arrive, since one line holds
    /// up to 32 KiB of hex (pg_dump's 16 KiB buffer).
    private var inHex = false
    private var hexEnded = false
    private var highNibble: UInt8?

    public init() {}

    public var largeObjects: LargeObjects {
        LargeObjects.summarise(objectDigests.map { (oid: $0.key, sha256: $0.value) })
    }

    /// Bytes of the current line (any part of it).
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if inHex { return decodeHex(bytes) }
        let room = Self.headLimit - head.count
        guard room > 0 else { return }
        head.append(contentsOf: bytes.prefix(room))
        for prefix in Self.lowritePrefixes where head.count >= prefix.count && head.starts(with: prefix) {
            inHex = true
            let rest = Array(head[prefix.count...])
            head.removeAll(keepingCapacity: true)
            decodeHex(rest)
            // What did not fit in the head comes next.
            if bytes.count > room { decodeHex(bytes[room...]) }
            return
        }
    }

    func endLine() {
        defer {
            head.removeAll(keepingCapacity: true)
            inHex = false
            hexEnded = false
            highNibble = nil
        }
        // Every statement looked for starts with SELECT, CREATE or REFRESH: other lines cost one comparison.
        guard !inHex, head.count < Self.headLimit, let first = head.first,
            first == UInt8(ascii: "S") || first == UInt8(ascii: "C")
                || first == UInt8(ascii: "R"), let line = String(validating: head, as: UTF8.self)
        else { return }
        if let oid = Self.oid(after: "SELECT pg_catalog.lo_create('", in: line) {
            if objectDigests[oid] == nil { objectDigests[oid] = SHA256Digest().hexDigest() }
        } else if let oid = Self.oid(after: "SELECT pg_catalog.lo_open('", in: line) {
            open = (oid, SHA256Digest())
        } else if line.hasPrefix("SELECT pg_catalog.lo_close(0);"), let object = open {
            objectDigests[object.oid] = object.digest.hexDigest()
            open = nil
        } else if let sequence = Self.setval(line) {
            sequences.removeAll { $0.schema == sequence.schema && $0.name == sequence.name }
            sequences.append(sequence)
        } else if let name = Self.relation(after: "CREATE MATERIALIZED VIEW ", in: line) {
            materializedViews.append(MaterializedView(schema: name.schema, name: name.name, populated: false))
        } else if let name = Self.relation(after: "REFRESH MATERIALIZED VIEW ", in: line),
            let index = materializedViews.firstIndex(where: { $0.schema == name.schema && $0.name == name.name })
        {
            materializedViews[index].populated = true
        }
    }

    /// `'\x…'` with standard_conforming_strings on (pg_dump sets it), `E'\\x…'` otherwise.
    private static let lowritePrefixes = [
        Array("SELECT pg_catalog.lowrite(0, '\\x".utf8), Array("SELECT pg_catalog.lowrite(0, E'\\\\x".utf8)
    ]

    private func decodeHex(_ bytes: some Sequence<UInt8>) {
        guard !hexEnded, open != nil else { return }
        var decoded: [UInt8] = []
        for byte in bytes {
            guard let nibble = Self.nibble(byte) else {
                hexEnded = true
                break
            }
            if let high = highNibble {
                decoded.append(high << 4 | nibble)
                highNibble = nil
            } else {
                highNibble = nibble
            }
        }
        open?.digest.update(decoded)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func oid(after prefix: String, in line: String) -> UInt32? {
        guard line.hasPrefix(prefix) else { return nil }
        return UInt32(line.dropFirst(prefix.count).prefix { $0.isNumber })
    }

    /// `SELECT pg_catalog.setval('schema.name', 42, true);`, the name a SQL literal holding a
    /// qualified identifier.
    static func setval(_ line: String) -> SequenceValue? {
        let prefix = "SELECT pg_catalog.setval("
        guard line.hasPrefix(prefix) else { return nil }
        var rest = Substring(line.dropFirst(prefix.count))
        let escapes = rest.hasPrefix("E'")
        if escapes { rest = rest.dropFirst() }
        guard rest.popFirst() == "'" else { return nil }
        var literal: [UInt8] = []
        var bytes = Array(rest.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "'") {
                guard bytes.first == UInt8(ascii: "'") else { break }
                bytes.removeFirst()
            } else if escapes && byte == UInt8(ascii: "\\"), let next = bytes.popFirst() {
                literal.append(next)
                continue
            }
            literal.append(byte)
        }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false).map
        { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 3, let value = Int64(fields[1]),
            let name = RowCountTap.parseTableName(literal[...])
        else { return nil }
        return SequenceValue(
            schema: String(decoding: name.schema, as: UTF8.self), name: String(decoding: name.table, as: UTF8.self),
            lastValue: value, isCalled: fields[2].hasPrefix("true"))
    }

    private static func relation(after prefix: String, in line: String) -> (schema: String, name: String)? {
        guard line.hasPrefix(prefix) else { return nil }
        var bytes = Array(line.utf8.dropFirst(prefix.utf8.count))
        if bytes.last == UInt8(ascii: ";") { bytes.removeLast() }
        guard let name = RowCountTap.parseTableName(bytes[...]) else { return nil }
        return (String(decoding: name.schema, as: UTF8.self), String(decoding: name.table, as: UTF8.self))
    }
}
