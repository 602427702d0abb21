import Dispatch
import Glibc
import Synchronization

/// Compresses its upstream on several cores: the stream is cut into blocks, each block becomes
/// one complete gzip member (RFC 1952 allows any number of them back to back; `gunzip`, zlib
/// and GunzipSink read them as one stream), and members are handed on in their original order.
/// The dump's reader never waits on compression, which is what keeps a compressed backup
/// close to the speed of a bare `pg_dump`. Memory stays flat: at most `2 × workers` blocks are
/// in flight.
public final class ParallelGzipCompressor: ByteSource {
    private let upstream: any ByteSource
    private let engine: GzipMemberEngine
    private let blockSize: Int
    private let maxInFlight: Int
    private var inFlight: [Member] = []
    private var upstreamDone = false
    private var producedAny = false
    public private(set) var bytesIn: Int64 = 0

    /// - Parameters:
    ///   - level: `BACKUP_COMPRESSION_LEVEL`, 1...9 with zlib's meaning (6 is gzip's default);
    ///     GzipMemberEngine picks the library and its level.
    ///   - workers: compression threads; the machine's cores by default.
    ///   - blockSize: input per member; 512 KiB costs about 1 % of ratio against one member.
    public init(
        upstream: any ByteSource, level: Int32 = 6, workers: Int = ParallelGzipCompressor.defaultWorkers,
        blockSize: Int = 512 * 1024
    ) {
        self.upstream = upstream
        engine = GzipMemberEngine(compressionLevel: level)
        self.blockSize = max(64 * 1024, blockSize)
        maxInFlight = max(2, 2 * workers)
    }

    public static var defaultWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public func next() throws -> [UInt8]? {
        while inFlight.count < maxInFlight, !upstreamDone {
            guard let block = try readBlock() else { break }
            let member = Member()
            inFlight.append(member)
            let engine = engine
            DispatchQueue.global(qos: .userInitiated).async {
                member.finish(Result { try engine.compress(block) })
            }
        }
        guard !inFlight.isEmpty else {
            // An empty stream is still one (empty) gzip member, never a zero-byte file.
            if producedAny { return nil }
            producedAny = true
            return try engine.compress([])
        }
        producedAny = true
        return try inFlight.removeFirst().wait()
    }

    /// Gathers upstream chunks into one block (nil at the end of the stream).
    private func readBlock() throws -> [UInt8]? {
        var block: [UInt8] = []
        block.reserveCapacity(blockSize)
        while block.count < blockSize {
            guard let chunk = try upstream.next() else {
                upstreamDone = true
                break
            }
            bytesIn += Int64(chunk.count)
            block += chunk
        }
        return block.isEmpty ? nil : block
    }

    /// A block being compressed: its result, waited for in order.
    private final class Member: Sendable {
        private let result = Mutex<Result<[UInt8], any Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        func finish(_ value: Result<[UInt8], any Error>) {
            result.withLock { $0 = value }
            done.signal()
        }

        func wait() throws -> [UInt8] {
            done.wait()
            return try result.withLock { $0! }.get()
        }
    }
}
