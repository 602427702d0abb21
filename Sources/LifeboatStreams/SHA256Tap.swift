import Crypto

/// Hashes and counts the bytes that pass through on their way to the next sink, so the
/// manifest's SHA-256 and size describe exactly the bytes that reached the file.
public final class SHA256Tap: ByteSink {
    private var hasher = SHA256()
    private let downstream: any ByteSink
    public private(set) var byteCount: Int64 = 0

    public init(downstream: any ByteSink) {
        self.downstream = downstream
    }

    public func write(_ chunk: [UInt8]) throws {
        hasher.update(data: chunk)
        byteCount += Int64(chunk.count)
        try downstream.write(chunk)
    }

    /// The lowercase hex digest, as `sha256sum` prints it. Call once, at the end.
    public func finalize() -> String {
        hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
