import CZlib

/// Compresses its upstream into one gzip member (RFC 1952) with zlib, so `gunzip` reads the result.
/// Owns its `z_stream`; `deinit` releases it on every path.
public final class GzipCompressor: ByteSource {
    private let upstream: any ByteSource
    private var stream = z_stream()
    private var finished = false
    private var pending: [[UInt8]] = []
    public private(set) var bytesIn: Int64 = 0

    /// - Parameter level: zlib level 1...9; 6 is gzip's default and a good speed/size balance.
    public init(upstream: any ByteSource, level: Int32 = 6) throws {
        self.upstream = upstream
        // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of a zlib wrapper.
        let status = lifeboat_deflateInit2(&stream, level, 15 + 16, 8)
        guard status == Z_OK else {
            throw StreamError(stage: .gzip, message: "zlib could not start (\(status))")
        }
    }

    deinit { deflateEnd(&stream) }

    public func next() throws -> [UInt8]? {
        while pending.isEmpty {
            if finished { return nil }
            if let chunk = try upstream.next() {
                bytesIn += Int64(chunk.count)
                try deflate(chunk, flush: Z_NO_FLUSH)
            } else {
                try deflate([], flush: Z_FINISH)
                finished = true
            }
        }
        return pending.removeFirst()
    }

    private func deflate(_ input: [UInt8], flush: Int32) throws {
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            defer { stream.next_in = nil }
            repeat {
                var output = [UInt8](repeating: 0, count: streamChunkSize)
                let status = output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    defer { stream.next_out = nil }
                    return CZlib.deflate(&stream, flush)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw StreamError(stage: .gzip, message: "zlib deflate failed: \(message)")
                }
                let produced = output.count - Int(stream.avail_out)
                if produced > 0 {
                    output.removeSubrange(produced...)
                    pending.append(output)
                }
                if status == Z_STREAM_END { break }
                // More output is owed while zlib filled the whole buffer, or until FINISH ends the stream.
            } while stream.avail_out == 0 || (flush == Z_FINISH)
        }
    }
}
