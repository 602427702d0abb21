import Foundation
import LifeboatStreams

/// The JSON written beside each backup (`NAME.manifest.json`): what was dumped, by which tools,
/// how the file is encoded, its SHA-256, and the per-table row counts verification compares.
public struct BackupManifest: Codable, Sendable, Equatable {
    public struct Encryption: Codable, Sendable, Equatable {
        public var recipient: String
        public var userId: String
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var state: String
        public var at: Date
        public var detail: String?
    }

    public var formatVersion = 1
    public var tool = "lifeboat"
    public var toolVersion: String
    public var fileName: String
    public var type: BackupType
    public var database: String
    public var serverVersion: String
    public var pgDumpVersion: String
    public var pgDumpPath: String
    public var startedAt: Date
    public var finishedAt: Date
    /// Bytes pg_dump produced (the plain SQL).
    public var dumpBytes: Int64
    /// Bytes of the final file.
    public var fileBytes: Int64
    public var sha256: String
    /// "gzip" or nil.
    public var compression: String?
    public var encryption: Encryption?
    public var tables: [RowCountTap.TableCount]
    public var verification: Verification?

    public var totalRows: Int64 { tables.reduce(0) { $0 + $1.rows } }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    public func encoded() throws -> [UInt8] {
        Array(try Self.encoder.encode(self)) + [UInt8(ascii: "\n")]
    }

    public static func read(from url: URL) throws -> BackupManifest {
        try decoder.decode(BackupManifest.self, from: Data(contentsOf: url))
    }

    /// Writes atomically with 0600 permissions, replacing an older manifest.
    public func write(to url: URL) throws {
        try AtomicFileSink.writeReplacing(try encoded(), to: url)
    }
}
