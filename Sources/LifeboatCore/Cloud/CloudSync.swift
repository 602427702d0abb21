import Foundation
import LifeboatCloud
import LifeboatStreams

/// Backups off-site: objects at `<prefix>/backups/<name>` with the manifest beside them.
public struct CloudSync {
    public let store: any ObjectStore
    public let prefix: String

    public init(store: any ObjectStore, prefix: String?) {
        self.store = store
        self.prefix = (prefix ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    public init(configuration: LifeboatConfiguration, cancellation: CancellationFlag? = nil) throws {
        self.init(store: try CloudStores.make(configuration, cancellation: cancellation), prefix: configuration.string(.cloudPrefix))
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
            return RemoteBackup(name: name, object: object, hasManifest: keys.contains(object.key + ".manifest.json"),
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
            throw LifeboatError(stage: "fetch", message: "'\(name)' is not a backup file name (backup_TYPE_YYYYMMDDTHHMMSSZ.sql[.gz][.gpg], or the date-only backup_TYPE_YYYYMMDD.sql[.gz][.gpg])",
                                hint: "`lifeboat list --remote` shows the backups in the bucket by name", category: .configuration)
        }
    }

    /// With signers configured in `trust`, the manifest's signature is checked before a byte of
    /// the backup is downloaded, and the download must then match the signed SHA-256.
    public func fetch(_ name: String, into directory: URL, trust: BackupTrust, progress: ((Int64) -> Void)? = nil) throws -> Fetched {
        try Self.checkName(name)
        let final = directory.appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: final.path) else {
            throw LifeboatError(stage: "fetch", message: "\(final.path) already exists", hint: "verify it with `lifeboat verify`, or move it away", category: .configuration)
        }
        guard let remote = try cloud({ try store.head(key(for: name)) }) else {
            // HEAD answers a bare 404 for a missing bucket too: a listing names the real cause.
            _ = try cloud { try store.list(prefix: key(for: name)) }
            throw LifeboatError(stage: "fetch", message: "\(store.location)/\(key(for: name)) does not exist",
                                hint: "`lifeboat list --remote` shows what the bucket holds", category: .configuration)
        }
        var manifest: BackupManifest?
        var manifestBytes: [UInt8] = []
        if try cloud({ try store.head(key(for: name + ".manifest.json")) }) != nil {
            manifestBytes = try remoteManifestBytes(of: name)
            // A manifest that is there but unreadable must not silently turn off the hash check.
            do { manifest = try BackupManifest.decode(manifestBytes) }
            catch {
                throw LifeboatError(stage: "fetch", message: "the manifest \(store.location)/\(key(for: name + ".manifest.json")) cannot be read: \(error); nothing was downloaded",
                                    hint: BackupManifest.hint(for: error), category: BackupManifest.category(for: error))
            }
        }

        var signatureBytes: [UInt8]?
        if manifest != nil, try cloud({ try store.head(key(for: name + ".manifest.json.sig")) }) != nil {
            var bytes: [UInt8] = []
            try cloud { try store.download(key(for: name + ".manifest.json.sig"), from: 0) { bytes += $0 } }
            signatureBytes = bytes
        }
        let verdict = try trust.authenticate(file: final, manifest: manifest, manifestBytes: manifestBytes, signature: signatureBytes)

        let partial = directory.appendingPathComponent(".\(name).partial")
        let existing = try? FileManager.default.attributesOfItem(atPath: partial.path)
        // A symbolic link (or anything but a file) named like the partial download would make the
        // download write, or truncate, whatever it points at, outside BACKUP_DIR.
        if let existing, existing[.type] as? FileAttributeType != .typeRegular {
            throw LifeboatError(stage: "fetch", message: "\(partial.path) exists and is not a regular file (a symbolic link?); refusing to write through it",
                                hint: "remove it (`rm \(partial.path)`) and run fetch again", category: .configuration)
        }
        var offset = (existing?[.size] as? NSNumber)?.int64Value ?? 0
        if offset > remote.size { offset = 0 }  // not a prefix of this object: start over
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (offset == 0 ? O_TRUNC : O_APPEND), 0o600)
        guard fd >= 0 else {
            throw LifeboatError(stage: "fetch", message: "cannot write \(partial.path): \(String(cString: strerror(errno)))",
                                hint: "check that BACKUP_DIR is writable")
        }
        var written = offset
        do {
            defer { close(fd) }
            if offset < remote.size {
                do {
                    try cloud {
                        try store.download(key(for: name), from: offset) { buffer in
                            var done = 0
                            while done < buffer.count {
                                let count = write(fd, buffer.baseAddress! + done, buffer.count - done)
                                if count < 0 {
                                    if errno == EINTR { continue }
                                    throw LifeboatError(stage: "fetch", message: "writing \(partial.path) failed: \(String(cString: strerror(errno)))",
                                                        hint: "free disk space; the partial download is kept and resumes next time")
                                }
                                done += count
                            }
                            written += Int64(buffer.count)
                            progress?(written)
                        }
                    }
                } catch let error as LifeboatError where error.stage == "cloud" && written > 0 {
                    // A connection lost mid-body is not retried (the bytes already reached the
                    // file); what arrived is kept, so say so and how to go on from it.
                    throw LifeboatError(stage: error.stage, message: error.message,
                                        hint: "\(written) bytes are kept in \(partial.path): run the same fetch again to resume from there"
                                            + (error.hint.map { "; \($0)" } ?? ""), category: error.category)
                }
            }
            guard fsync(fd) == 0 else { throw LifeboatError(stage: "fetch", message: "fsync of \(partial.path) failed") }
        }
        guard written == remote.size else {
            throw LifeboatError(stage: "fetch", message: "got \(written) of \(remote.size) bytes; run fetch again to resume")
        }
        if let manifest {
            let hashing = SHA256SourceTap(upstream: try FileSource(path: partial.path))
            while try hashing.next() != nil {}
            let digest = hashing.finalize()
            guard digest == manifest.sha256 else {
                unlink(partial.path)
                throw LifeboatError(stage: "fetch", message: "the downloaded file has SHA-256 \(digest), the manifest says \(manifest.sha256); the download was removed",
                                    hint: "run fetch again; if it fails the same way, the cloud copy is damaged: use another backup",
                                    category: .badBackup)
            }
            if let signatureBytes { try AtomicFileSink.writeReplacing(signatureBytes, to: BackupSigner.signatureURL(for: final)) }
            try AtomicFileSink.writeReplacing(manifestBytes, to: URL(fileURLWithPath: final.path + ".manifest.json"))
        }
        guard link(partial.path, final.path) == 0 else {
            throw LifeboatError(stage: "fetch", message: "cannot name the file \(final.path): \(String(cString: strerror(errno)))")
        }
        unlink(partial.path)
        try AtomicFileSink.syncDirectory(directory)
        return Fetched(path: final.path, resumedFrom: offset, downloaded: written - offset,
                       signature: verdict == .notRequired ? nil : verdict.summary)
    }

    /// Runs a cloud call, translating its errors.
    func cloud<T>(_ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let error as CloudError {
            throw LifeboatError(stage: "cloud", message: "\(store.location): \(error.description)", hint: error.hint)
        }
    }
}
