import Foundation
import LifeboatCloud
import LifeboatStreams

/// The parts of a download that `fetch` (the whole file, then its use) and `StreamedFetch` (the
/// restore reading the file while it arrives) share, so both authenticate, resume and keep the
/// file the same way: `.NAME.partial` beside the final name, renamed only once it is whole and
/// its SHA-256 matches the manifest.
extension CloudSync {
    /// What a download learns and checks before it takes a byte of the backup.
    public struct Head: Sendable {
        public let size: Int64
        public let manifest: BackupManifest?
        let manifestBytes: [UInt8]
        let signatureBytes: [UInt8]?
        /// The signature check's verdict on the manifest (`.notRequired` without signers).
        public let verdict: BackupTrust.Verdict
    }

    static func partialURL(for final: URL) -> URL {
        final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).partial")
    }

    /// The object's size, its manifest and signature, and the signature verdict for `trust`: a
    /// refused backup throws here, before a byte of it is downloaded.
    func checkedHead(_ name: String, final: URL, trust: BackupTrust) throws -> Head {
        try Self.checkName(name)
        guard !FileManager.default.fileExists(atPath: final.path) else {
            throw LifeboatError(
                stage: "fetch", message: "\(final.path) already exists",
                hint: "verify it with `lifeboat verify`, or move it away", category: .configuration)
        }
        guard let remote = try cloud({ try store.head(key(for: name)) }) else {
            // HEAD answers a bare 404 for a missing bucket too: a listing names the real cause.
            _ = try cloud { try store.list(prefix: key(for: name)) }
            throw LifeboatError(
                stage: "fetch", message: "\(store.location)/\(key(for: name)) does not exist",
                hint: "`lifeboat list --remote` shows what the bucket holds", category: .configuration)
        }
        var manifest: BackupManifest?
        var manifestBytes: [UInt8] = []
        if try cloud({ try store.head(key(for: name + ".manifest.json")) }) != nil {
            try cloud { try store.download(key(for: name + ".manifest.json"), from: 0) { manifestBytes += $0 } }
            // A manifest that is there but unreadable must not silently turn off the hash check.
            do { manifest = try BackupManifest.decode(manifestBytes) } catch {
                throw LifeboatError(
                    stage: "fetch",
                    message:
                        "the manifest \(store.location)/\(key(for: name + ".manifest.json")) cannot be read: \(error); nothing was downloaded",
                    hint: BackupManifest.hint(for: error), category: BackupManifest.category(for: error))
            }
        }
        var signatureBytes: [UInt8]?
        if manifest != nil, try cloud({ try store.head(key(for: name + ".manifest.json.sig")) }) != nil {
            var bytes: [UInt8] = []
            try cloud { try store.download(key(for: name + ".manifest.json.sig"), from: 0) { bytes += $0 } }
            signatureBytes = bytes
        }
        let verdict = try trust.authenticate(
            file: final, manifest: manifest, manifestBytes: manifestBytes, signature: signatureBytes)
        return Head(
            size: remote.size, manifest: manifest, manifestBytes: manifestBytes, signatureBytes: signatureBytes,
            verdict: verdict)
    }

    /// Opens the partial download for appending: what an interrupted download left is kept and
    /// its length is where this one resumes (0 when it cannot be a prefix of the object).
    func openPartial(_ partial: URL, remoteSize: Int64) throws -> (fd: Int32, offset: Int64) {
        let existing = try? FileManager.default.attributesOfItem(atPath: partial.path)
        // A symbolic link (or anything but a file) named like the partial download would make the
        // download write, or truncate, whatever it points at, outside BACKUP_DIR.
        if let existing, existing[.type] as? FileAttributeType != .typeRegular {
            throw LifeboatError(
                stage: "fetch",
                message:
                    "\(partial.path) exists and is not a regular file (a symbolic link?); refusing to write through it",
                hint: "remove it (`rm \(partial.path)`) and run fetch again", category: .configuration)
        }
        var offset = (existing?[.size] as? NSNumber)?.int64Value ?? 0
        if offset > remoteSize { offset = 0 }  // not a prefix of this object: start over
        let fd = open(
            partial.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (offset == 0 ? O_TRUNC : O_APPEND), 0o600)
        guard fd >= 0 else {
            throw LifeboatError(
                stage: "fetch", message: "cannot write \(partial.path): \(String(cString: strerror(errno)))",
                hint: "check that BACKUP_DIR is writable")
        }
        return (fd, offset)
    }

    /// Appends the object's bytes from `offset` (HTTP Range) to `fd`, calling `wrote` with the
    /// file's length after each chunk (it may throw to stop), then fsyncs. Returns the length,
    /// which must be `size`.
    func downloadBody(
        _ name: String, from offset: Int64, size: Int64, into fd: Int32, partial: URL,
        wrote: (Int64) throws -> Void
    ) throws -> Int64 {
        var written = offset
        if offset < size {
            do {
                try cloud {
                    try store.download(key(for: name), from: offset) { buffer in
                        var done = 0
                        while done < buffer.count {
                            let count = write(fd, buffer.baseAddress! + done, buffer.count - done)
                            if count < 0 {
                                if errno == EINTR { continue }
                                throw LifeboatError(
                                    stage: "fetch",
                                    message: "writing \(partial.path) failed: \(String(cString: strerror(errno)))",
                                    hint: "free disk space; the partial download is kept and resumes next time")
                            }
                            done += count
                        }
                        written += Int64(buffer.count)
                        try wrote(written)
                    }
                }
            } catch let error as LifeboatError where error.stage == "cloud" && written > 0 {
                // A connection lost mid-body is not retried (the bytes already reached the
                // file); what arrived is kept, so say so and how to go on from it.
                throw LifeboatError(
                    stage: error.stage, message: error.message,
                    hint: "\(written) bytes are kept in \(partial.path): run the same fetch again to resume from there"
                        + (error.hint.map { "; \($0)" } ?? ""), category: error.category)
            }
        }
        guard fsync(fd) == 0 else { throw LifeboatError(stage: "fetch", message: "fsync of \(partial.path) failed") }
        guard written == size else {
            throw LifeboatError(stage: "fetch", message: "got \(written) of \(size) bytes; run fetch again to resume")
        }
        return written
    }

    /// Names the whole download `final`, with its manifest and signature beside it. Its SHA-256
    /// is checked against the manifest first: `digest` when the caller hashed every byte on the
    /// way (the streamed restore), else read from the file; a mismatch removes the download.
    func keep(_ partial: URL, as final: URL, head: Head, digest: String? = nil) throws {
        if let manifest = head.manifest {
            let digest = try digest ?? Self.sha256(of: partial)
            guard digest == manifest.sha256 else {
                unlink(partial.path)
                throw LifeboatError(
                    stage: "fetch",
                    message:
                        "the downloaded file has SHA-256 \(digest), the manifest says \(manifest.sha256); the download was removed",
                    hint: "run fetch again; if it fails the same way, the cloud copy is damaged: use another backup",
                    category: .badBackup)
            }
            if let signatureBytes = head.signatureBytes {
                try AtomicFileSink.writeReplacing(signatureBytes, to: BackupSigner.signatureURL(for: final))
            }
            try AtomicFileSink.writeReplacing(
                head.manifestBytes, to: URL(fileURLWithPath: final.path + ".manifest.json"))
        }
        guard link(partial.path, final.path) == 0 else {
            throw LifeboatError(
                stage: "fetch", message: "cannot name the file \(final.path): \(String(cString: strerror(errno)))")
        }
        unlink(partial.path)
        try AtomicFileSink.syncDirectory(final.deletingLastPathComponent())
    }

    private static func sha256(of file: URL) throws -> String {
        let hashing = SHA256SourceTap(upstream: try FileSource(path: file.path))
        while try hashing.next() != nil {}
        return hashing.finalize()
    }
}
