import Foundation
import Testing
import LifeboatStreams

/// The gzip member engines (libdeflate, ISA-L) and the ISA-L inflate behind GunzipSink: each
/// level's file is standard gzip no larger than zlib's at that level, any gzip reads back, and
/// damaged gzip is refused with the words the rest of Lifeboat expects.
@Suite struct GzipEngineTests {
    /// Pagila's data, as plain SQL: realistic text for ratio checks.
    static let pagila: [UInt8] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pagila/pagila-data.sql.gz")
        return (try? runTool("/bin/gunzip", ["-c", url.path], input: [])) ?? []
    }()

    static func compress(_ input: [UInt8], level: Int32, blockSize: Int = 512 * 1024) throws -> [UInt8] {
        let sink = MemorySink()
        try ParallelGzipCompressor(
            upstream: MemorySource(input, chunkSize: 100_000), level: level, workers: 2, blockSize: blockSize
        ).pipe(to: sink)
        return sink.bytes
    }

    static func gunzip(_ compressed: [UInt8], chunkSize: Int = 70_000) throws -> [UInt8] {
        let plain = MemorySink()
        let gunzip = try GunzipSink(downstream: plain)
        for start in stride(from: 0, to: compressed.count, by: chunkSize) {
            try gunzip.write(Array(compressed[start..<min(start + chunkSize, compressed.count)]))
        }
        try gunzip.finish()
        return plain.bytes
    }

    static func gunzipError(_ compressed: [UInt8]) -> StreamError? {
        do {
            _ = try gunzip(compressed)
            return nil
        } catch {
            return error as? StreamError
        }
    }

    @Test func levelBandsPickTheDocumentedEngines() {
        let engines = (1...9).map { GzipMemberEngine(compressionLevel: Int32($0)) }
        #expect(
            engines == [
                .isal(level: 1), .libdeflate(level: 1), .libdeflate(level: 1),
                .libdeflate(level: 7), .libdeflate(level: 7), .libdeflate(level: 7), .libdeflate(level: 7),
                .libdeflate(level: 8), .libdeflate(level: 8)
            ])
    }

    /// BACKUP_COMPRESSION_LEVEL keeps zlib's meaning: at every level the file is no larger
    /// than zlib's single stream at that level (which members can only lose to), and
    /// `gunzip` and GunzipSink both read it back.
    @Test(arguments: Array(Int32(1)...9))
    func everyLevelIsGzipNoLargerThanZlibs(level: Int32) throws {
        let input = Self.pagila
        try #require(input.count > 3_000_000, "the Pagila fixture did not decompress")
        let members = try Self.compress(input, level: level)
        let zlib = MemorySink()
        try GzipCompressor(upstream: MemorySource(input), level: level).pipe(to: zlib)
        #expect(members.count <= zlib.bytes.count, "level \(level): \(members.count) bytes, zlib \(zlib.bytes.count)")
        #expect(try runTool("/bin/gunzip", ["-c"], input: members) == input)
        #expect(try Self.gunzip(members) == input)
    }

    /// Random bytes do not compress: both engines fall back to stored blocks, not to an error.
    @Test(arguments: [Int32(1), 6])
    func incompressibleDataRoundTrips(level: Int32) throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<1_200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let members = try Self.compress(input, level: level, blockSize: 65_536)
        #expect(try Self.gunzip(members) == input)
        #expect(try runTool("/bin/gunzip", ["-c"], input: members) == input)
    }

    /// A legacy single-member file written by gzip itself (with a file name in its header)
    /// reads the same through ISA-L as through gunzip, fed in any chunk size.
    @Test(arguments: [1, 4093, 1_000_000])
    func singleMemberFromGzipReads(chunkSize: Int) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pagila/pagila-schema.sql.gz")
        let compressed = Array(try Data(contentsOf: url))
        let expected = try runTool("/bin/gunzip", ["-c"], input: compressed)
        #expect(try Self.gunzip(compressed, chunkSize: chunkSize) == expected)
    }

    @Test func truncatedMemberIsRefused() throws {
        let members = try Self.compress(Self.pagila, level: 6)
        for cut in [members.count / 2, members.count - 3, 10] {
            let error = Self.gunzipError(Array(members[..<cut]))
            #expect(error?.stage == .gunzip && error?.damagedData == true)
            #expect(
                error?.message.contains("ends early (truncated file)") == true,
                "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func badCRCIsRefused() throws {
        var members = try Self.compress(Self.pagila, level: 6)
        members[members.count - 6] ^= 0x01  // in the last member's CRC-32
        let error = Self.gunzipError(members)
        #expect(error?.damagedData == true)
        #expect(error?.message.contains("damaged: incorrect data check") == true, "\(String(describing: error))")
    }

    @Test func badLengthIsRefused() throws {
        var members = try Self.compress(Self.pagila, level: 1)
        members[members.count - 2] ^= 0x01  // in the last member's ISIZE
        let error = Self.gunzipError(members)
        #expect(error?.damagedData == true)
        #expect(error?.message.contains("damaged: incorrect data check") == true, "\(String(describing: error))")
    }

    @Test func notGzipIsRefused() {
        let error = Self.gunzipError(Array("COPY public.actor FROM stdin;\n".utf8))
        #expect(error?.message.contains("incorrect header check") == true, "\(String(describing: error))")
        let garbageAfterMembers = Self.gunzipError(
            (try? Self.compress(Array("x".utf8), level: 6)).map { $0 + Array("junk".utf8) } ?? [])
        #expect(garbageAfterMembers?.damagedData == true)
        #expect(Self.gunzipError([])?.message.contains("empty") == true)
    }

    /// A member that expands 1000× (zeros) leaves in bounded chunks: memory stays flat however
    /// far a hostile member expands, and the length check still holds at the end.
    @Test func memberThatExpandsAThousandfoldStreamsInBoundedChunks() throws {
        let plainSize = 64 * 1024 * 1024
        // zlib's -9 reaches deflate's limit (about 1030:1); the member need not be ours.
        let compressed = MemorySink()
        try GzipCompressor(upstream: MemorySource([UInt8](repeating: 0, count: plainSize)), level: 9).pipe(
            to: compressed)
        let member = compressed.bytes
        #expect(member.count * 1000 < plainSize)
        final class Measuring: ByteSink {
            var total = 0, largest = 0
            func write(_ chunk: [UInt8]) throws {
                total += chunk.count
                largest = max(largest, chunk.count)
            }
        }
        let sink = Measuring()
        let gunzip = try GunzipSink(downstream: sink)
        try gunzip.write(member)
        try gunzip.finish()
        #expect(sink.total == plainSize)
        #expect(sink.largest <= streamChunkSize)
    }
}
