import Foundation
import LifeboatStreams

/// A backup restored while it downloads: the download appends to `.NAME.partial` in the run
/// folder on its own thread, and the restore reads that file from its first byte, right behind
/// it, through the same checks as a local file (each segment against the signed manifest
/// before gpg sees it, then decrypt, gunzip, the SQL guard). The encrypted file is the only
/// thing written: no plaintext reaches the disk. A resume replays what the partial file holds
/// and downloads the rest with Range, exactly as `CloudSync.fetch` does; once the restore has
/// read every byte and the SHA-256 matched, `keep` names the file as `fetch` would.
public final class StreamedFetch {
    public let final: URL
    public let head: CloudSync.Head
    /// Bytes already in the partial file from an interrupted run (replayed, not downloaded again).
    public let resumedFrom: Int64
    private let sync: CloudSync
    private let partial: URL
    private let growing: GrowingFile
    private let name: String
    /// The partial file, open for appending; handed to the download thread when it starts.
    private var descriptor: Int32?
    /// The last reader's SHA-256 tap: its digest covers the whole file once it read `head.size` bytes.
    private var lastRead: SHA256SourceTap?

    /// Authenticates the backup's manifest (a refused one throws before a byte is downloaded)
    /// and opens the partial file in `directory`; the download starts when the restore first reads.
    public init(_ sync: CloudSync, name: String, into directory: URL, trust: BackupTrust) throws {
        final = directory.appendingPathComponent(name)
        head = try sync.checkedHead(name, final: final, trust: trust)
        partial = CloudSync.partialURL(for: final)
        self.sync = sync
        self.name = name
        let (fd, offset) = try sync.openPartial(partial, remoteSize: head.size)
        descriptor = fd
        resumedFrom = offset
        growing = GrowingFile(path: partial.path, length: offset)
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// Starts the download on its own thread, once: only when the restore reads, so that the
    /// step has journaled its checkpoint before anything is written that a resume must judge.
    private func start() {
        guard let fd = descriptor else { return }
        descriptor = nil
        Thread.detachNewThread { [sync, growing, partial, name, offset = resumedFrom, size = head.size] in
            defer { close(fd) }
            do {
                _ = try sync.downloadBody(name, from: offset, size: size, into: fd, partial: partial) { length in
                    // The restore failed: what arrived so far stays for the next attempt.
                    if growing.isAbandoned {
                        throw LifeboatError(
                            stage: "fetch", message: "the download was stopped: the restore reading it failed")
                    }
                    growing.grew(to: length)
                    StreamCrashHook.downloaded(length)
                }
                growing.finish()
            } catch {
                growing.fail(error)
            }
        }
    }

    /// The backup as the restore reads it: bytes as they arrive, checked as a local file's are.
    public var reader: BackupReader {
        BackupReader(arriving: final, manifest: head.manifest, authentication: head.verdict) { [self] in
            start()
            let tap = SHA256SourceTap(upstream: StreamCrashHook.watching(try growing.source(), growing))
            lastRead = tap
            return tap
        }
    }

    /// After the restore succeeded: the download is complete and its SHA-256 matched (hashed on
    /// the way when the restore read every byte, else read again here); names the file `final`
    /// with its manifest and signature beside it.
    public func keep() throws {
        start()
        if let failure = growing.waitForWriter() { throw failure }
        let digest = lastRead.flatMap { $0.byteCount == head.size ? $0.finalize() : nil }
        try sync.keep(partial, as: final, head: head, digest: digest)
    }

    /// After a failure: stops the download and waits for it to let go of the file. What arrived
    /// is kept for the next attempt, unless `error` says the bytes do not match the signed
    /// manifest (a resume would only replay them).
    public func stop(after error: any Error) {
        growing.abandon()
        if descriptor == nil { growing.waitForWriter() }  // else it never started
        if let error = error as? LifeboatError, error.category == .badBackup,
            ["authenticate", "sha256"].contains(error.stage)
        {
            unlink(partial.path)
        }
    }
}
