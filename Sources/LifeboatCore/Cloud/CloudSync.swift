import Foundation
import LifeboatCloud
import LifeboatStreams

/// Backups off-site: objects at `<prefix>/backups/<name>` with the manifest beside them.
public struct CloudSync: Sendable {
    public let store: any ObjectStore
    public let prefix: String

    public init(store: any ObjectStore, prefix: String?) {
        self.store = store
        self.prefix = (prefix ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    public init(configuration: LifeboatConfiguration, cancellation: CancellationFlag? = nil) throws {
        self.init(
            store: try CloudStores.make(configuration, cancellation: cancellation),
            prefix: configuration.string(.cloudPrefix))
    }

    public var folder: String { prefix.isEmpty ? "backups/" : "\(prefix)/backups/" }
    public func key(for name: String) -> String { folder + name }

    /// Uploads a backup, then its signature, then its manifest (so a listed manifest always has
    /// its backup, and a signed one its signature).
    @discardableResult
    public func upload(_ backup: URL) throws -> [RemoteObject] {
        var uploaded = [try uploadFile(backup)]
        for companion in [BackupSigner.signatureURL(for: backup), URL(fileURLWithPath: backup.path + ".manifest.json")]
        where FileManager.default.fileExists(atPath: companion.path) {
            uploaded.append(try uploadFile(companion))
        }
        return uploaded
    }

    /// Uploads one file under its own name in the backups folder.
    @discardableResult
    public func uploadFile(_ file: URL) throws -> RemoteObject {
        try cloud { try store.upload(file, to: key(for: file.lastPathComponent)) }
    }

    /// The manifest stored beside backup `name`; nil when its bytes do not read as a manifest.
    public func remoteManifest(of name: String) throws -> BackupManifest? {
        let bytes = try remoteManifestBytes(of: name)  // a failed download is an error, not "no manifest"
        return try? BackupManifest.decode(bytes)
    }

    /// The bytes of the manifest stored beside backup `name`, as stored.
    private func remoteManifestBytes(of name: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try cloud { try store.download(key(for: name + ".manifest.json"), from: 0) { bytes += $0 } }
        return bytes
    }

    public struct RemoteBackup: Sendable {
        public let name: BackupName
        public let object: RemoteObject
        public let hasManifest: Bool
        public var hasSignature = false
    }

    /// The backups in the bucket, newest first; keys that do not follow the pattern are ignored.
    public func remoteBackups() throws -> [RemoteBackup] {
        let objects = try cloud { try store.list(prefix: folder) }
        let keys = Set(objects.map(\.key))
        return objects.compactMap { object -> RemoteBackup? in
            let file = String(object.key.dropFirst(folder.count))
            guard !file.contains("/"), let name = BackupName(fileName: file) else { return nil }
            return RemoteBackup(
                name: name, object: object, hasManifest: keys.contains(object.key + ".manifest.json"),
                hasSignature: keys.contains(object.key + ".manifest.json.sig"))
        }.sorted { $0.name > $1.name }
    }

    /// Downloads a backup into `directory` through `.NAME.partial`, resuming a partial file
    /// left by an interrupted download; the result must match the manifest's SHA-256.
    public struct Fetched: Sendable, Codable {
        public let path: String
        /// Bytes already on disk from an earlier, interrupted fetch.
        public let resumedFrom: Int64
        public let downloaded: Int64
        /// What the signature check found (`BackupTrust.Verdict.summary`); nil when none is required.
        public var signature: String?
    }

    /// Refuses any name that is not a backup file name. The name becomes a local path and an
    /// object key: `../x` or `/../x` would write outside BACKUP_DIR (and libcurl folds dot
    /// segments, so the key fetched is not even the one named). Backup names have no slash and no dot segment.
    public static func checkName(_ name: String) throws {
        guard BackupName(fileName: name) != nil, !name.contains("/") else {
            throw LifeboatError(
                stage: "fetch",
                message:
                    "'\(name)' is not a backup file name (backup_TYPE_YYYYMMDDTHHMMSSZ.sql[.gz][.gpg], or the date-only backup_TYPE_YYYYMMDD.sql[.gz][.gpg])",
                hint: "`lifeboat list --remote` shows the backups in the bucket by name", category: .configuration)
        }
    }

    /// With signers configured in `trust`, the manifest's signature is checked before a byte of
    /// the backup is downloaded, and the download must then match the signed SHA-256.
    public func fetch(_ name: String, into directory: URL, trust: BackupTrust, progress: ((Int64) -> Void)? = nil)
        throws -> Fetched
    {
        let final = directory.appendingPathComponent(name)
        let head = try checkedHead(name, final: final, trust: trust)
        let partial = Self.partialURL(for: final)
        let (fd, offset) = try openPartial(partial, remoteSize: head.size)
        var written = offset
        do {
            defer { close(fd) }
            written = try downloadBody(name, from: offset, size: head.size, into: fd, partial: partial) { total in
                progress?(total)
            }
        }
        try keep(partial, as: final, head: head)
        return Fetched(
            path: final.path, resumedFrom: offset, downloaded: written - offset,
            signature: head.verdict == .notRequired ? nil : head.verdict.summary)
    }

    /// Runs a cloud call, translating its errors.
    func cloud<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CloudError {
            throw LifeboatError(stage: "cloud", message: "\(store.location): \(error.description)", hint: error.hint)
        }
    }
}
