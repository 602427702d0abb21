/// The two ends every pipeline stage speaks. Chunks are owned arrays, so no pointer crosses a
/// stage boundary; a chunk is at most a few hundred KiB, so a pipeline holds a few MiB at most.
public protocol ByteSource: AnyObject {
    /// The next chunk, or nil at the end of the stream. Never returns an empty chunk.
    func next() throws -> [UInt8]?
}

public protocol ByteSink: AnyObject {
    func write(_ chunk: [UInt8]) throws
}

/// The size of the chunks that sources read: large enough for zlib and gpgme to work in big
/// steps, small enough that the whole pipeline's memory stays flat.
public let streamChunkSize = 256 * 1024

extension ByteSource {
    /// Copies this source into `sink` until the end of the stream.
    public func pipe(to sink: some ByteSink) throws {
        while let chunk = try next() { try sink.write(chunk) }
    }
}

/// Collects a stream in memory: for tests and small metadata only.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ chunk: [UInt8]) throws { bytes += chunk }
}

/// Serves an array as a stream in fixed-size chunks: for tests and small inputs.
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSize: Int
    public init(_ bytes: [UInt8], chunkSize: Int = streamChunkSize) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }
    public func next() throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + chunkSize)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
