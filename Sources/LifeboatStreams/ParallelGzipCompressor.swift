import CZlib
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
    private let level: Int32
    private let blockSize: Int
    private let maxInFlight: Int
    private var inFlight: [Member] = []
    private var upstreamDone = false
    private var producedAny = false
    public private(set) var bytesIn: Int64 = 0

    /// - Parameters:
    ///   - level: zlib level 1...9 (6 is gzip's default).
    ///   - workers: compression threads; the machine's cores by default.
    ///   - blockSize: input per member; 512 KiB costs about 1 % of ratio against one member.
    public init(upstream: any ByteSource, level: Int32 = 6, workers: Int = ParallelGzipCompressor.defaultWorkers, blockSize: Int = 512 * 1024) {
        self.upstream = upstream
        self.level = level
        self.blockSize = max(64 * 1024, blockSize)
        maxInFlight = max(2, 2 * workers)
    }

    public static var defaultWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public func next() throws -> [UInt8]? {
        while inFlight.count < maxInFlight, !upstreamDone {
            guard let block = try readBlock() else { break }
            let member = Member()
            inFlight.append(member)
            let level = level
            DispatchQueue.global(qos: .userInitiated).async {
                member.finish(Result { try Self.compress(block, level: level) })
            }
        }
        guard !inFlight.isEmpty else {
            // An empty stream is still one (empty) gzip member, never a zero-byte file.
            if producedAny { return nil }
            producedAny = true
            return try Self.compress([], level: level)
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

    /// One block as one gzip member.
    static func compress(_ input: [UInt8], level: Int32) throws(StreamError) -> [UInt8] {
        var stream = z_stream()
        guard lifeboat_deflateInit2(&stream, level, 15 + 16, 8) == Z_OK else {
            throw StreamError(stage: .gzip, message: "zlib could not start")
        }
        defer { deflateEnd(&stream) }
        // The block is read in place (zlib does not write through next_in) and compressed into
        // uninitialized storage: copying and zero-filling each block showed in perf.
        var status: Int32 = Z_OK
        let output = [UInt8](unsafeUninitializedCapacity: Int(deflateBound(&stream, UInt(input.count))) + 64) { outBuffer, initialized in
            status = input.withUnsafeBufferPointer { inBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                defer {
                    stream.next_in = nil
                    stream.next_out = nil
                }
                return deflate(&stream, Z_FINISH)
            }
            initialized = status == Z_STREAM_END ? Int(stream.total_out) : 0
        }
        guard status == Z_STREAM_END else {
            throw StreamError(stage: .gzip, message: "zlib deflate failed (\(status))")
        }
        // A right-sized copy: the worst-case buffer would otherwise stay allocated while the
        // member waits its turn.
        return Array(output[...])
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
