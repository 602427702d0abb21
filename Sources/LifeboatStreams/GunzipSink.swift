import CZlib

/// Decompresses gzip data pushed into it and passes the result on. zlib checks each member's
/// CRC-32 and length, so damage anywhere is caught; `finish()` catches a truncated file.
/// Concatenated members (as `cat a.gz b.gz` or parallel compressors make) are read in turn.
public final class GunzipSink: ByteSink {
    private let downstream: any ByteSink
    private var stream = z_stream()
    /// True between the end of one member and the first byte of the next.
    private var atMemberBoundary = false
    private var sawInput = false
    public private(set) var bytesOut: Int64 = 0

    public init(downstream: any ByteSink) throws {
        self.downstream = downstream
        // windowBits 15 + 16: expect a gzip header, not a zlib one.
        let status = lifeboat_inflateInit2(&stream, 15 + 16)
        guard status == Z_OK else { throw StreamError(stage: .gunzip, message: "zlib could not start (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    public func write(_ chunk: [UInt8]) throws {
        guard !chunk.isEmpty else { return }
        sawInput = true
        // Neither side is copied or zero-filled: the input is read in place (zlib does not
        // write through next_in) and each output chunk is inflated into uninitialized storage.
        try chunk.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            defer { stream.next_in = nil }
            while stream.avail_in > 0 {
                if atMemberBoundary {
                    inflateReset(&stream)
                    atMemberBoundary = false
                }
                var status: Int32 = Z_OK
                let output = [UInt8](unsafeUninitializedCapacity: streamChunkSize) { outBuffer, initialized in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    stream.next_out = nil
                    initialized = outBuffer.count - Int(stream.avail_out)
                }
                if !output.isEmpty {
                    bytesOut += Int64(output.count)
                    try downstream.write(output)
                }
                switch status {
                case Z_OK, Z_BUF_ERROR:
                    continue
                case Z_STREAM_END:
                    atMemberBoundary = true
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw StreamError(stage: .gunzip, message: "the gzip data is damaged: \(message)",
                                      hint: "the file was changed or corrupted after it was written", damagedData: true)
                }
            }
        }
    }

    /// Call at the end of input: fails unless the last member ended cleanly.
    public func finish() throws {
        guard sawInput, atMemberBoundary else {
            throw StreamError(stage: .gunzip, message: sawInput ? "the gzip data ends early (truncated file)" : "the file is empty",
                              hint: "the file was cut short; use another backup", damagedData: true)
        }
        // Flush output produced after the last byte (none, since inflate emits eagerly).
    }
}
