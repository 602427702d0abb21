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
    /// Signed backups only (BACKUP_SIGNING_KEY): the size of the segments below, in bytes.
    public var segmentSize: Int?
    /// Signed backups only: the SHA-256 of each `segmentSize` piece of the file, the last one
    /// short, so that a reader checks every segment before passing it on (see `SegmentCheckingSource`).
    public var segmentSha256: [String]?
    /// Signed backups only: the primary fingerprint of the key that signed the manifest, as
    /// the writer saw it. Informational: trust comes from the signature itself, never from this.
    public var signedBy: String?
    /// What the restore needs of the server it goes to (extensions, roles, tablespaces), for
    /// the preflight to compare before anything changes; nil in manifests older than issue 19.
    public var requires: BackupRequirements?
    /// What a user notices beside rows (issue 19), read from the dump stream itself so that the
    /// numbers are the snapshot's (`DumpObjectScanner`). Each is nil in an older manifest, and
    /// validation then skips that check rather than fail a backup that never recorded it.
    public var largeObjects: DumpObjectScanner.LargeObjects?
    public var sequences: [DumpObjectScanner.SequenceValue]?
    public var materializedViews: [DumpObjectScanner.MaterializedView]?
    /// The database's own properties when it was backed up (the same ones the stream's prelude
    /// applies), so that a new database is created with its encoding and locale and a restore
    /// can be checked against them.
    public var databaseProperties: DatabaseRecord?

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

    /// True when the manifest carries per-segment hashes a reader can check as it goes.
    public var hasSegments: Bool { segmentSize != nil && segmentSha256 != nil }

    public static func read(from url: URL) throws -> BackupManifest {
        try decode(Data(contentsOf: url))
    }

    /// A manifest from its JSON (fuzzed by `make fuzz`: any bytes give a manifest or an error).
    /// One from a newer format version is refused, looked at first so that a newer layout is
    /// named as such rather than as a missing or mistyped key.
    public static func decode(_ bytes: [UInt8]) throws -> BackupManifest {
        try decode(Data(bytes))
    }

    public static func decode(_ data: Data) throws -> BackupManifest {
        struct Version: Decodable { let formatVersion: Int? }
        if let version = (try? decoder.decode(Version.self, from: data))?.formatVersion, version > currentFormatVersion
        {
            throw NewerFormat(version: version)
        }
        do { return try decoder.decode(BackupManifest.self, from: data) } catch let error as DecodingError {
            throw Unreadable(reason: describe(error))
        }
    }

    /// The newest `format_version` this Lifeboat reads. A newer manifest may carry meanings this
    /// version does not know; reading it as its own (and writing a verdict back, which would
    /// drop the keys it does not know) could pass a backup it cannot really check.
    /// Signing added only optional keys (`segment_size`, `segment_sha256`, `signed_by`), so
    /// signed manifests stay at 1: an older Lifeboat still restores them (without checking the
    /// signature, as it always did), and if it rewrites one without those keys, the signature
    /// no longer verifies and a signing host refuses it: a safe failure, never a silent pass.
    public static let currentFormatVersion = 1

    /// A manifest written by a newer Lifeboat: not damage, so not a bad backup.
    public struct NewerFormat: Error, CustomStringConvertible, Sendable {
        public let version: Int
        public var description: String {
            "its format_version is \(version), newer than this Lifeboat (\(LifeboatVersion.current)) reads (\(BackupManifest.currentFormatVersion))"
        }
    }

    /// A manifest that is not what Lifeboat writes: not JSON, a key missing or of the wrong type.
    public struct Unreadable: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { reason }
    }

    /// DecodingError's text, short: what is wrong and where, with the keys as the file spells them.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context): return "'\(path(context, key))' is missing"
        case .typeMismatch(_, let context):
            return context.codingPath.isEmpty ? "it is not a JSON object" : "'\(path(context))' has the wrong type"
        case .valueNotFound(_, let context): return "'\(path(context))' is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "it is not valid JSON" : "'\(path(context))' is invalid: \(context.debugDescription)"
        @unknown default: return String(describing: error)
        }
    }

    private static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { text, character in
            if character.isUppercase { text += "_" + character.lowercased() } else { text.append(character) }
        }
    }

    /// What to do about a manifest that could not be read, and how the commands end:
    /// damage is a bad backup (3); a newer format says nothing about the backup (1).
    public static func hint(for error: any Error) -> String {
        error is NewerFormat
            ? "upgrade Lifeboat to the version that wrote it; the backup was not checked"
            : "restore the manifest, or move it away to treat the file as one without a manifest"
    }

    public static func category(for error: any Error) -> LifeboatError.Category {
        error is NewerFormat ? .failed : .badBackup
    }

    /// Writes atomically with 0600 permissions, replacing an older manifest.
    public func write(to url: URL) throws {
        try AtomicFileSink.writeReplacing(try encoded(), to: url)
    }
}
