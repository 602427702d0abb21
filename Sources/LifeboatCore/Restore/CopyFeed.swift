import Foundation

/// One COPY block on its way from the reader to the worker that loads it. The reader never
/// waits for the worker: while the block fits in a small buffer (`limit` bytes) it goes there;
/// once the buffer is full, the rest of the block goes to a spool file, which the worker reads
/// after the buffer, so the reader can go on to the next block and memory stays bounded
/// whatever a table's size.
///
/// Sendable: all mutable state is read and written with `condition` locked; the spool file's
/// write handle is used by the reader only and its read handle by the worker only (each set
/// once, on its own side), and the worker reads no further than `spooledBytes`, which the
/// reader raises only after its write returned.
final class CopyFeed: @unchecked Sendable {
    private let condition = NSCondition()
    private let limit: Int
    private let spool: CopySpool
    private var buffered: [[UInt8]] = []
    private var bufferedBytes = 0
    private var spoolFile: URL?
    private var spooledBytes: Int64 = 0
    private var ended = false
    private var aborted = false
    // Reader side only.
    private var writer: FileHandle?
    // Worker side only.
    private var reader: FileHandle?
    private var consumed: Int64 = 0

    static let readSize = 1 << 20

    init(limit: Int, spool: CopySpool) {
        self.limit = limit
        self.spool = spool
    }

    /// Whether any of the block went to disk (tests, and the spool's accounting).
    var spilled: Bool { condition.withLock { spoolFile != nil } }

    // MARK: reader side

    func append(_ rows: ArraySlice<UInt8>) throws {
        condition.lock()
        if spoolFile == nil && bufferedBytes + rows.count <= limit {
            buffered.append(Array(rows))
            bufferedBytes += rows.count
            condition.signal()
            condition.unlock()
            return
        }
        let needsFile = spoolFile == nil
        condition.unlock()
        if needsFile {
            let file = try spool.makeFile()
            writer = try FileHandle(forWritingTo: file)
            condition.withLock { spoolFile = file }
        }
        do {
            try writer!.write(contentsOf: rows)
        } catch {
            throw LifeboatError(
                stage: "restore",
                message: "cannot write to the COPY spool folder \(spool.folder.path): \(error.localizedDescription)",
                hint: "free some space there, or lower RESTORE_JOBS (fewer blocks wait for a worker)")
        }
        condition.withLock {
            spooledBytes += Int64(rows.count)
            condition.signal()
        }
    }

    func end() {
        try? writer?.close()
        writer = nil
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    /// Wakes a worker waiting for rows that will never come (another worker failed, or the
    /// restore was cancelled).
    func abort() {
        condition.withLock {
            aborted = true
            condition.broadcast()
        }
    }

    // MARK: worker side

    /// The next rows, nil at the block's end; throws `CopyFeed.Aborted` when the reader gave up.
    func next() throws -> [UInt8]? {
        condition.lock()
        while buffered.isEmpty && spooledBytes == consumed && !ended && !aborted { condition.wait() }
        if aborted { condition.unlock(); throw Aborted() }
        if !buffered.isEmpty {
            let rows = buffered.removeFirst()
            bufferedBytes -= rows.count
            condition.unlock()
            return rows
        }
        let available = spooledBytes - consumed
        let file = spoolFile
        condition.unlock()
        guard available > 0, let file else { return nil }
        if reader == nil { reader = try FileHandle(forReadingFrom: file) }
        let data = try reader!.read(upToCount: Int(min(available, Int64(Self.readSize)))) ?? Data()
        consumed += Int64(data.count)
        return Array(data)
    }

    /// Closes and removes the spool file, if any: called by the worker when the block is loaded
    /// or abandoned.
    func discard() {
        try? reader?.close()
        reader = nil
        if let file = condition.withLock({ spoolFile }) { try? FileManager.default.removeItem(at: file) }
    }

    struct Aborted: Error {}
}
