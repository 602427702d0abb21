/// The SHA-256 of every fixed-size segment of a stream. A whole-file hash can only be judged
/// at the end, after every byte has gone on; per-segment hashes let a reader hold back one
/// segment, check it, and only then pass it on, so no unchecked byte ever reaches psql.
public enum SegmentDigests {
    /// 4 MiB: small enough to buffer, large enough that the manifest stays short (256 hashes per GiB).
    public static let defaultSegmentSize = 4 * 1024 * 1024
}

/// Records the per-segment SHA-256 of the bytes on their way to the next sink (the backup side).
public final class SegmentDigestTap: ByteSink {
    public let segmentSize: Int
    private let downstream: any ByteSink
    private var hasher = SHA256()
    private var filled = 0
    private var digests: [String] = []

    public init(downstream: any ByteSink, segmentSize: Int = SegmentDigests.defaultSegmentSize) {
        self.downstream = downstream
        self.segmentSize = segmentSize
    }

    public func write(_ chunk: [UInt8]) throws {
        var offset = 0
        while offset < chunk.count {
            let count = min(segmentSize - filled, chunk.count - offset)
            chunk.withUnsafeBytes {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)]))
            }
            filled += count
            offset += count
            if filled == segmentSize { closeSegment() }
        }
        try downstream.write(chunk)
    }

    /// The digests, the short last segment's included; call once, after the last write.
    public func finalize() -> [String] {
        if filled > 0 { closeSegment() }
        return digests
    }

    private func closeSegment() {
        digests.append(DigestHex.of(hasher.finalize()))
        hasher = SHA256()
        filled = 0
    }
}

/// Holds back one segment at a time, checks it against its expected SHA-256 and only then
/// passes it on (the restore side). Refuses a segment that differs, a file that ends early, and
/// any byte beyond the size the manifest gives, each before that segment goes downstream.
/// Memory: one segment plus one upstream chunk.
public final class SegmentCheckingSource: ByteSource {
    private let upstream: any ByteSource
    private let segmentSize: Int
    private let expected: [String]
    private let totalBytes: Int64
    private let fileName: String
    private var carry: [UInt8] = []
    private var upstreamDone = false
    private var checked: [UInt8] = []
    private var checkedOffset = 0
    private var segmentIndex = 0
    private var offset: Int64 = 0

    /// Throws when the manifest's own numbers disagree (a segment list that cannot describe
    /// `totalBytes`): such a manifest proves nothing, so nothing is read.
    public init(upstream: any ByteSource, segmentSize: Int, expected: [String], totalBytes: Int64, fileName: String)
        throws
    {
        self.upstream = upstream
        self.segmentSize = segmentSize
        self.expected = expected.map { $0.lowercased() }
        self.totalBytes = totalBytes
        self.fileName = fileName
        let needed = segmentSize > 0 ? Int((totalBytes + Int64(segmentSize) - 1) / Int64(segmentSize)) : -1
        guard segmentSize > 0, totalBytes >= 0, needed == expected.count else {
            throw StreamError(
                stage: .authenticate,
                message:
                    "the manifest of \(fileName) lists \(expected.count) segments of \(segmentSize) bytes for a file of \(totalBytes) bytes",
                hint: "the manifest is not one Lifeboat wrote: use another backup", damagedData: true)
        }
    }

    public func next() throws -> [UInt8]? {
        if checkedOffset >= checked.count {
            guard try checkNextSegment() else { return nil }
        }
        let end = min(checked.count, checkedOffset + streamChunkSize)
        defer { checkedOffset = end }
        return Array(checked[checkedOffset..<end])
    }

    /// Reads, checks and stages the next segment; false at a clean end of the file. The last
    /// segment is read only up to the manifest's size, so a byte beyond it is named as extra.
    private func checkNextSegment() throws -> Bool {
        let isLast = segmentIndex == expected.count - 1
        let target = segmentIndex >= expected.count ? 1 : isLast ? Int(totalBytes - offset) : segmentSize
        var segment = carry
        carry = []
        if segment.count > target {
            carry = Array(segment[target...])
            segment.removeSubrange(target...)
        }
        segment.reserveCapacity(target)
        while segment.count < target, !upstreamDone {
            guard let chunk = try upstream.next() else { upstreamDone = true; break }
            let room = target - segment.count
            if chunk.count <= room {
                segment += chunk
            } else {
                segment += chunk[..<room]
                carry = Array(chunk[room...])
            }
        }
        if segment.isEmpty && segmentIndex >= expected.count { return false }
        guard segmentIndex < expected.count else {
            throw StreamError(
                stage: .authenticate,
                message:
                    "\(fileName) goes on beyond the \(totalBytes) bytes its manifest gives (extra bytes after segment \(expected.count))",
                hint:
                    "something was appended to the file after it was written: use another backup (or another copy of this one)",
                damagedData: true)
        }
        if segment.count < target { throw truncated(extra: Int64(segment.count)) }
        let digest = DigestHex.of(SHA256.hash(data: segment))
        guard digest == expected[segmentIndex] else {
            let end = offset + Int64(segment.count) - 1
            throw StreamError(
                stage: .authenticate,
                message:
                    "segment \(segmentIndex + 1) of \(expected.count) of \(fileName) (bytes \(offset)–\(end)) has SHA-256 \(digest), the manifest says \(expected[segmentIndex])",
                hint:
                    "the file changed after it was written and signed: nothing of that segment was used; use another backup (or another copy of this one)",
                damagedData: true)
        }
        offset += Int64(segment.count)
        segmentIndex += 1
        checked = segment
        checkedOffset = 0
        return true
    }

    private func truncated(extra: Int64 = 0) -> StreamError {
        StreamError(
            stage: .authenticate,
            message:
                "\(fileName) ends after \(offset + extra) bytes, in segment \(segmentIndex + 1) of \(expected.count); its manifest gives \(totalBytes) bytes (truncated)",
            hint:
                "the file was cut short (an interrupted copy or download?): fetch or copy it again, or use another backup",
            damagedData: true)
    }
}
