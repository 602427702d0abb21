import Foundation
import LifeboatStreams

/// The reverse pipeline: backup file → [authenticate: each segment against the signed
/// manifest] → SHA-256 → OpenPGP decrypt → gunzip → plain SQL into a sink, in one streaming
/// pass with constant memory. The file's encoding comes from its name. The manifest's
/// signature is checked when the reader is opened, so a refused backup never starts psql.
/// Damage is reported as `.badBackup`, so callers can tell "the backup is bad" from "could not check".
public struct BackupReader {
    public let file: URL
    public let manifest: BackupManifest?
    /// What the signature check at `open` found.
    public private(set) var authentication: BackupTrust.Verdict = .notRequired
    public var gnupgHome: String?
    public var cancellation: CancellationFlag?
    public var progress: ((Int64) -> Void)?
    /// Where the file's bytes come from while they are not all on disk yet: a download the
    /// restore reads as it arrives (`StreamedFetch`). Nil: `file` as it is.
    var bytes: (() throws -> any ByteSource)?

    public var encrypted: Bool { file.lastPathComponent.hasSuffix(".gpg") }
    public var compressed: Bool {
        let name = file.lastPathComponent
        return (encrypted ? String(name.dropLast(4)) : name).hasSuffix(".gz")
    }

    public init(file: URL, manifest: BackupManifest?) {
        self.file = file
        self.manifest = manifest
    }

    /// A reader of bytes still arriving for `file`, whose manifest was authenticated elsewhere
    /// (`authentication` says how) before the first byte came.
    init(
        arriving file: URL, manifest: BackupManifest?, authentication: BackupTrust.Verdict,
        bytes: @escaping () throws -> any ByteSource
    ) {
        self.init(file: file, manifest: manifest)
        self.authentication = authentication
        self.bytes = bytes
    }

    /// Opens `file` with the manifest beside it, if there is one, and checks the manifest's
    /// signature against `trust` (pass `.unchecked` only for reads that never use the file's bytes).
    public static func open(_ file: URL, trust: BackupTrust) throws -> BackupReader {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw LifeboatError(
                stage: "backup file", message: "\(file.path) does not exist",
                hint: "`lifeboat list` shows the backups in BACKUP_DIR", category: .configuration)
        }
        let manifestURL = URL(fileURLWithPath: file.path + ".manifest.json")
        var manifest: BackupManifest?
        var manifestBytes: [UInt8] = []
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            do {
                manifestBytes = Array(try Data(contentsOf: manifestURL))
                manifest = try BackupManifest.decode(manifestBytes)
            } catch {
                throw LifeboatError(
                    stage: "manifest", message: "\(manifestURL.path) cannot be read: \(error)",
                    hint: BackupManifest.hint(for: error), category: BackupManifest.category(for: error))
            }
        }
        var reader = BackupReader(file: file, manifest: manifest)
        if trust.isRequired {
            let signatureURL = BackupSigner.signatureURL(for: file)
            let signature =
                manifest == nil ? nil : FileManager.default.contents(atPath: signatureURL.path).map { Array($0) }
            reader.authentication = try trust.authenticate(
                file: file, manifest: manifest, manifestBytes: manifestBytes, signature: signature)
        }
        return reader
    }

    public struct Outcome: Sendable {
        public let fileBytes: Int64
        public let sqlBytes: Int64
        public let sha256: String
        /// nil when there is no manifest to compare with.
        public let sha256Matches: Bool?
    }

    /// Streams the plain SQL into `sink`. Throws `.badBackup` errors for damage it detects.
    public func stream(to sink: any ByteSink) throws -> Outcome {
        let source = try authenticatedSource()
        let hashing = SHA256SourceTap(upstream: source)
        let watched = WatchedSource(upstream: hashing, cancellation: cancellation, report: progress)
        let counting = CountingSink(downstream: sink)
        let gunzip = compressed ? try GunzipSink(downstream: counting) : nil
        let plain: any ByteSink = gunzip ?? counting
        do {
            if encrypted {
                try OpenPGP.decrypt(watched, to: plain, homeDirectory: gnupgHome)
            } else {
                try watched.pipe(to: plain)
            }
            try gunzip?.finish()
        } catch let error as StreamError where error.stage == .authenticate {
            throw LifeboatError(stage: "authenticate", message: error.message, hint: error.hint, category: .badBackup)
        } catch let error as StreamError where error.stage == .decrypt || error.stage == .gunzip {
            // Damage in the file explains the failure better when the hash says so too.
            try checkHashAfterFailure()
            throw LifeboatError(
                stage: error.stage.rawValue, message: error.message, hint: error.hint,
                category: error.damagedData ? .badBackup : .failed)
        }
        let digest = hashing.finalize()
        let matches = manifest.map { $0.sha256 == digest }
        if matches == false {
            throw hashMismatch(digest, size: hashing.byteCount)
        }
        return Outcome(
            fileBytes: hashing.byteCount, sqlBytes: counting.byteCount, sha256: digest, sha256Matches: matches)
    }

    /// Checks only the SHA-256 of the file against the manifest (no decryption).
    public func checkHash() throws -> String? {
        guard let manifest else { return nil }
        let hashing = SHA256SourceTap(upstream: try openSource())
        while try hashing.next() != nil {}
        let digest = hashing.finalize()
        if digest != manifest.sha256 { throw hashMismatch(digest, size: hashing.byteCount) }
        return digest
    }

    /// After a failure further down, says "hash mismatch" when that is the cause.
    public func checkHashAfterFailure() throws {
        _ = try checkHash()
    }

    private func hashMismatch(_ digest: String, size: Int64) -> LifeboatError {
        var message = "\(file.lastPathComponent) has SHA-256 \(digest), the manifest says \(manifest?.sha256 ?? "?")"
        if let expected = manifest?.fileBytes, expected != size {
            message +=
                "; the file is \(size) bytes, the manifest says \(expected)" + (size < expected ? " (truncated)" : "")
        }
        return LifeboatError(
            stage: "sha256", message: message,
            hint: "the file changed after it was written: use another backup (or another copy of this one)",
            category: .badBackup)
    }

    /// The file's bytes, each segment checked before it is passed on when the manifest has
    /// segment hashes (every signed one does); otherwise the file as it is.
    public func authenticatedSource() throws -> any ByteSource {
        let file = try openSource()
        guard let manifest, let size = manifest.segmentSize, let segments = manifest.segmentSha256 else { return file }
        do {
            return try SegmentCheckingSource(
                upstream: file, segmentSize: size, expected: segments,
                totalBytes: manifest.fileBytes, fileName: self.file.lastPathComponent)
        } catch let error as StreamError {
            throw LifeboatError(stage: "authenticate", message: error.message, hint: error.hint, category: .badBackup)
        }
    }

    private func openSource() throws -> any ByteSource {
        do { return try bytes?() ?? FileSource(path: file.path) } catch let error as StreamError {
            throw LifeboatError(error)
        }
    }
}

/// Counts bytes on their way to the next sink.
final class CountingSink: ByteSink {
    private let downstream: any ByteSink
    private(set) var byteCount: Int64 = 0
    init(downstream: any ByteSink) { self.downstream = downstream }
    func write(_ chunk: [UInt8]) throws {
        byteCount += Int64(chunk.count)
        try downstream.write(chunk)
    }
}

/// Discards bytes: for integrity passes that only need the checks along the way.
public final class NullSink: ByteSink {
    public init() {}
    public func write(_ chunk: [UInt8]) throws {}
}
