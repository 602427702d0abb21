import Foundation

/// `pgbackrest info --output=json`, decoded: one entry per stanza with its status, backup
/// sets and WAL archive range. Only what Lifeboat shows or decides on is kept; fields newer
/// pgBackRest versions add are ignored, and the ones older versions lack are optional.
public struct PgBackRestInfo: Sendable {
    public let stanzas: [Stanza]

    public init(stanzas: [Stanza]) {
        self.stanzas = stanzas
    }

    /// Decodes the command's stdout; a shape we cannot read is an error that says so.
    public static func decode(_ data: Data) throws -> PgBackRestInfo {
        do {
            return PgBackRestInfo(stanzas: try JSONDecoder().decode([Stanza].self, from: data))
        } catch {
            let start = String(decoding: data.prefix(200), as: UTF8.self)
            throw LifeboatError(
                stage: "pgbackrest",
                message: "cannot read `pgbackrest info --output=json`: \(error) (output starts: \(start))",
                hint: "run the same command by hand; Lifeboat reads pgBackRest 2.x's JSON")
        }
    }

    public func stanza(_ name: String) -> Stanza? {
        stanzas.first { $0.name == name }
    }

    public struct Status: Sendable, Decodable, Equatable {
        /// 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data,
        /// 4 different cipher, 5 database mismatch, 99 other (pgBackRest's codes).
        public let code: Int
        public let message: String
    }

    public struct Stanza: Sendable, Decodable {
        public let name: String
        public let status: Status
        /// Oldest first, as pgBackRest lists them.
        public let backups: [BackupSet]
        public let archives: [ArchiveRange]

        enum CodingKeys: String, CodingKey { case name, status, backup, archive, db }

        struct Database: Decodable {
            let id: Int
            let version: String
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            status = try container.decode(Status.self, forKey: .status)
            let databases = try container.decodeIfPresent([Database].self, forKey: .db) ?? []
            let versions = Dictionary(databases.map { ($0.id, $0.version) }, uniquingKeysWith: { first, _ in first })
            backups = try (container.decodeIfPresent([BackupSet].self, forKey: .backup) ?? []).map {
                $0.withVersion(versions)
            }
            archives = try (container.decodeIfPresent([ArchiveRange].self, forKey: .archive) ?? []).map {
                $0.withVersion(versions)
            }
        }

        public init(name: String, status: Status, backups: [BackupSet], archives: [ArchiveRange]) {
            self.name = name
            self.status = status
            self.backups = backups
            self.archives = archives
        }

        /// True when the stanza exists and can be read: "ok", or "no valid backups" yet.
        public var isReadable: Bool { status.code == 0 || status.code == 2 }

        /// Backup sets that completed (pgBackRest marks one with missing files as `error`).
        public var validBackups: [BackupSet] { backups.filter { !$0.error } }

        /// The newest valid backup set, of `kinds` when given.
        public func newest(_ kinds: Set<PhysicalBackupKind>? = nil) -> BackupSet? {
            validBackups.filter { kinds?.contains($0.kind) ?? true }.max { $0.finishedAt < $1.finishedAt }
        }

        /// The archive range of the current database (the last one listed).
        public var currentArchive: ArchiveRange? { archives.last }
    }

    /// One backup set, as `lifeboat list` and `status` show it.
    public struct BackupSet: Sendable, Decodable, Encodable, Equatable {
        public let label: String
        public let kind: PhysicalBackupKind
        public let startedAt: Date
        public let finishedAt: Date
        /// Size of the cluster when backed up.
        public let databaseBytes: Int64?
        /// What this set had to copy (all of it for a full backup).
        public let deltaBytes: Int64?
        /// Space in the repository of this set and what it depends on; and of this set alone.
        public let repositoryBytes: Int64?
        public let repositoryDeltaBytes: Int64?
        /// WAL segments the backup needs to be consistent.
        public let walStart: String?
        public let walStop: String?
        public let lsnStart: String?
        public let lsnStop: String?
        /// The set a diff or incr builds on.
        public let prior: String?
        public let error: Bool
        /// PostgreSQL major version of the cluster it came from.
        public let pgVersion: String?
        /// pgBackRest's id of that cluster in the stanza's db list, resolved to `pgVersion`.
        let databaseID: Int?

        public init(
            label: String, kind: PhysicalBackupKind, startedAt: Date, finishedAt: Date, databaseBytes: Int64? = nil,
            deltaBytes: Int64? = nil, repositoryBytes: Int64? = nil, repositoryDeltaBytes: Int64? = nil,
            walStart: String? = nil, walStop: String? = nil, lsnStart: String? = nil, lsnStop: String? = nil,
            prior: String? = nil, error: Bool = false, pgVersion: String? = nil
        ) {
            self.label = label
            self.kind = kind
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.databaseBytes = databaseBytes
            self.deltaBytes = deltaBytes
            self.repositoryBytes = repositoryBytes
            self.repositoryDeltaBytes = repositoryDeltaBytes
            self.walStart = walStart
            self.walStop = walStop
            self.lsnStart = lsnStart
            self.lsnStop = lsnStop
            self.prior = prior
            self.error = error
            self.pgVersion = pgVersion
            databaseID = nil
        }

        enum Raw: String, CodingKey { case label, type, timestamp, info, archive, lsn, prior, error, database }
        enum Range: String, CodingKey { case start, stop }
        enum Info: String, CodingKey { case size, delta, repository }
        enum Repository: String, CodingKey { case size, delta }
        enum DatabaseRef: String, CodingKey { case id }

        /// From pgBackRest's JSON (the Encodable side is Lifeboat's own shape, for `--json`).
        public init(from decoder: any Decoder) throws {
            let raw = try decoder.container(keyedBy: Raw.self)
            label = try raw.decode(String.self, forKey: .label)
            let type = try raw.decode(String.self, forKey: .type)
            guard let kind = PhysicalBackupKind(rawValue: type) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: raw, debugDescription: "unknown backup type '\(type)'")
            }
            self.kind = kind
            let timestamp = try raw.nestedContainer(keyedBy: Range.self, forKey: .timestamp)
            startedAt = Date(timeIntervalSince1970: try timestamp.decode(Double.self, forKey: .start))
            finishedAt = Date(timeIntervalSince1970: try timestamp.decode(Double.self, forKey: .stop))
            if let info = try? raw.nestedContainer(keyedBy: Info.self, forKey: .info) {
                databaseBytes = try info.decodeIfPresent(Int64.self, forKey: .size)
                deltaBytes = try info.decodeIfPresent(Int64.self, forKey: .delta)
                let repository = try? info.nestedContainer(keyedBy: Repository.self, forKey: .repository)
                repositoryBytes = try repository?.decodeIfPresent(Int64.self, forKey: .size)
                repositoryDeltaBytes = try repository?.decodeIfPresent(Int64.self, forKey: .delta)
            } else {
                (databaseBytes, deltaBytes, repositoryBytes, repositoryDeltaBytes) = (nil, nil, nil, nil)
            }
            let archive = try? raw.nestedContainer(keyedBy: Range.self, forKey: .archive)
            walStart = try archive?.decodeIfPresent(String.self, forKey: .start)
            walStop = try archive?.decodeIfPresent(String.self, forKey: .stop)
            let lsn = try? raw.nestedContainer(keyedBy: Range.self, forKey: .lsn)
            lsnStart = try lsn?.decodeIfPresent(String.self, forKey: .start)
            lsnStop = try lsn?.decodeIfPresent(String.self, forKey: .stop)
            prior = try raw.decodeIfPresent(String.self, forKey: .prior)
            error = try raw.decodeIfPresent(Bool.self, forKey: .error) ?? false
            // The version is filled in by the stanza, which holds the db list.
            let database = try? raw.nestedContainer(keyedBy: DatabaseRef.self, forKey: .database)
            databaseID = try database?.decodeIfPresent(Int.self, forKey: .id)
            pgVersion = nil
        }

        func withVersion(_ versions: [Int: String]) -> BackupSet {
            let version = databaseID.flatMap { versions[$0] }
            return BackupSet(
                label: label, kind: kind, startedAt: startedAt, finishedAt: finishedAt, databaseBytes: databaseBytes,
                deltaBytes: deltaBytes, repositoryBytes: repositoryBytes, repositoryDeltaBytes: repositoryDeltaBytes,
                walStart: walStart, walStop: walStop, lsnStart: lsnStart, lsnStop: lsnStop, prior: prior,
                error: error, pgVersion: version)
        }

        enum Encoded: String, CodingKey {
            case label, kind, startedAt, finishedAt, databaseBytes, deltaBytes, repositoryBytes, repositoryDeltaBytes
            case walStart, walStop, lsnStart, lsnStop, prior, error, pgVersion
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Encoded.self)
            try container.encode(label, forKey: .label)
            try container.encode(kind, forKey: .kind)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(finishedAt, forKey: .finishedAt)
            try container.encodeIfPresent(databaseBytes, forKey: .databaseBytes)
            try container.encodeIfPresent(deltaBytes, forKey: .deltaBytes)
            try container.encodeIfPresent(repositoryBytes, forKey: .repositoryBytes)
            try container.encodeIfPresent(repositoryDeltaBytes, forKey: .repositoryDeltaBytes)
            try container.encodeIfPresent(walStart, forKey: .walStart)
            try container.encodeIfPresent(walStop, forKey: .walStop)
            try container.encodeIfPresent(lsnStart, forKey: .lsnStart)
            try container.encodeIfPresent(lsnStop, forKey: .lsnStop)
            try container.encodeIfPresent(prior, forKey: .prior)
            try container.encode(error, forKey: .error)
            try container.encodeIfPresent(pgVersion, forKey: .pgVersion)
        }
    }

    /// The WAL segments the repository holds for one database version ("15-1").
    public struct ArchiveRange: Sendable, Decodable, Encodable, Equatable {
        public let id: String
        public let min: String?
        public let max: String?
        public let pgVersion: String?
        let databaseID: Int?

        enum CodingKeys: String, CodingKey { case id, min, max, database, pgVersion }
        enum DatabaseRef: String, CodingKey { case id }

        public init(id: String, min: String?, max: String?, pgVersion: String? = nil) {
            self.id = id
            self.min = min
            self.max = max
            self.pgVersion = pgVersion
            databaseID = nil
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            min = try container.decodeIfPresent(String.self, forKey: .min)
            max = try container.decodeIfPresent(String.self, forKey: .max)
            let database = try? container.nestedContainer(keyedBy: DatabaseRef.self, forKey: .database)
            databaseID = try database?.decodeIfPresent(Int.self, forKey: .id)
            pgVersion = nil
        }

        func withVersion(_ versions: [Int: String]) -> ArchiveRange {
            ArchiveRange(id: id, min: min, max: max, pgVersion: databaseID.flatMap { versions[$0] })
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(min, forKey: .min)
            try container.encodeIfPresent(max, forKey: .max)
            try container.encodeIfPresent(pgVersion, forKey: .pgVersion)
        }
    }
}
