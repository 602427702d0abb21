/// A running SHA-256 and byte count, shared by the sink-side and source-side taps.
public struct SHA256Digest {
    private var hasher = SHA256()
    public private(set) var byteCount: Int64 = 0

    public init() {}

    public mutating func update(_ chunk: [UInt8]) {
        hasher.update(data: chunk)
        byteCount += Int64(chunk.count)
    }

    /// The lowercase hex digest, as `sha256sum` prints it.
    public func hexDigest() -> String { DigestHex.of(hasher.finalize()) }
}

/// Hashes and counts the bytes that pass through on their way to the next sink, so the
/// manifest's SHA-256 and size describe exactly the bytes that reached the file.
public final class SHA256Tap: ByteSink {
    private var digest = SHA256Digest()
    private let downstream: any ByteSink
    public var byteCount: Int64 { digest.byteCount }

    public init(downstream: any ByteSink) {
        self.downstream = downstream
    }

    public func write(_ chunk: [UInt8]) throws {
        digest.update(chunk)
        try downstream.write(chunk)
    }

    public func finalize() -> String { digest.hexDigest() }
}

/// Hashes the bytes read from a source, so a restore checks the file's SHA-256 in the same
/// pass that decrypts and decompresses it.
public final class SHA256SourceTap: ByteSource {
    private var digest = SHA256Digest()
    private let upstream: any ByteSource
    public var byteCount: Int64 { digest.byteCount }

    public init(upstream: any ByteSource) {
        self.upstream = upstream
    }

    public func next() throws -> [UInt8]? {
        guard let chunk = try upstream.next() else { return nil }
        digest.update(chunk)
        return chunk
    }

    public func finalize() -> String { digest.hexDigest() }
}
