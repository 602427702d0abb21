import CZlib

/// CRC-32 (the gzip and zlib polynomial, as S3's `x-amz-checksum-crc32` wants it), by zlib.
/// Kept with the other zlib code so the C calls stay in this module.
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        // zlib takes a 32-bit length.
        while !rest.isEmpty, let base = rest.baseAddress {
            let count = min(rest.count, Int(UInt32.max >> 1))
            value = UInt32(crc32(UInt(value), base.assumingMemoryBound(to: UInt8.self), UInt32(count)))
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
        }
    }

    /// The checksum as S3 sends it: the four bytes big-endian.
    public var bigEndianBytes: [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}
