import Foundation
import LifeboatStreams

/// Signs backups with BACKUP_SIGNING_KEY: the manifest gets the file's segment hashes and a
/// detached signature `NAME.manifest.json.sig`.
///
/// Order on disk: the backup file first, then the signature, then the manifest, each written
/// atomically. A crash after the file leaves a backup without a manifest (refused where signers
/// are configured, like any unsigned file); a crash after the signature leaves a signature with
/// no manifest (ignored). A manifest that claims to be signed therefore never exists without
/// its signature, and a signature is never older than the file it describes.
public struct BackupSigner: Sendable {
    public let key: OpenPGP.Key
    public let gnupgHome: String?

    /// The signer BACKUP_SIGNING_KEY names, checked against the keyring now (before pg_dump
    /// runs) by signing a few bytes; nil when signing is off.
    public init?(configuration: LifeboatConfiguration) throws {
        guard let fingerprint = try configuration.signingKey() else { return nil }
        let found: OpenPGP.Key
        do {
            found = try OpenPGP.signingKey(fingerprint: fingerprint, homeDirectory: configuration.gnupgHome)
            // A key whose secret part wants a passphrase no one can type here would only fail
            // after the whole dump: one tiny signature now proves it can sign unattended.
            _ = try OpenPGP.signDetached(
                Array("lifeboat signing check".utf8), signer: found, homeDirectory: configuration.gnupgHome)
        } catch let error as StreamError {
            throw LifeboatError(
                stage: "signing key", message: "BACKUP_SIGNING_KEY: \(error.message)",
                hint: error.hint ?? "set BACKUP_SIGNING_KEY to a key from `gpg --list-secret-keys`",
                category: .configuration)
        }
        key = found
        gnupgHome = configuration.gnupgHome
    }

    public init(key: OpenPGP.Key, gnupgHome: String?) {
        self.key = key
        self.gnupgHome = gnupgHome
    }

    /// The signature's file beside a backup.
    public static func signatureURL(for backup: URL) -> URL {
        URL(fileURLWithPath: backup.path + ".manifest.json.sig")
    }

    /// Marks `manifest` as signed (its segments, the signer) and writes its signature,
    /// then the manifest, beside `backup`. The backup file must already be in place.
    public func seal(_ manifest: BackupManifest, segments: [String], segmentSize: Int, beside backup: URL) throws
        -> BackupManifest
    {
        var signed = manifest
        signed.segmentSize = segmentSize
        signed.segmentSha256 = segments
        signed.signedBy = key.fingerprint
        // The signature covers these exact bytes: the manifest file is never rewritten after
        // (verify keeps its verdict beside it, see `VerificationRecord`), so plain gpg checks it too.
        let bytes = try signed.encoded()
        let signature: [UInt8]
        do { signature = try OpenPGP.signDetached(bytes, signer: key, homeDirectory: gnupgHome) } catch let error
            as StreamError
        { throw LifeboatError(error) }
        try AtomicFileSink.writeReplacing(signature, to: Self.signatureURL(for: backup))
        try AtomicFileSink.writeReplacing(bytes, to: URL(fileURLWithPath: backup.path + ".manifest.json"))
        try? FileManager.default.removeItem(at: VerificationRecord.url(for: backup))  // a verdict on other bytes
        return signed
    }

    /// Signs an existing backup file as it is now: its size, SHA-256 and segments are measured
    /// again, so the result vouches for these bytes. For backups taken before signing was on
    /// (after the operator has checked them) and for tests that need a file signed by another key.
    public func sign(
        existing backup: URL, manifest: BackupManifest,
        segmentSize: Int = SegmentDigests.defaultSegmentSize
    ) throws -> BackupManifest {
        let segments = SegmentDigestTap(downstream: NullSink(), segmentSize: segmentSize)
        let whole = SHA256Tap(downstream: segments)
        do { try FileSource(path: backup.path).pipe(to: whole) } catch let error as StreamError {
            throw LifeboatError(error)
        }
        var measured = manifest
        measured.fileBytes = whole.byteCount
        measured.sha256 = whole.finalize()
        measured.fileName = backup.lastPathComponent
        return try seal(measured, segments: segments.finalize(), segmentSize: segmentSize, beside: backup)
    }
}
