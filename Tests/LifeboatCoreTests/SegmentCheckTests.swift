import Foundation
import Testing
import LifeboatCore
import LifeboatStreams

/// The segment-checking reader: every segment is held back until its hash matched, the short
/// last segment and the total size are checked, and extra or missing bytes are refused.
@Suite struct SegmentCheckTests {
    static let size = 1000

    /// Deterministic bytes that differ from segment to segment.
    static func data(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) } }

    static func digests(_ bytes: [UInt8], segmentSize: Int = size) throws -> [String] {
        let tap = SegmentDigestTap(downstream: NullSink(), segmentSize: segmentSize)
        try MemorySource(bytes, chunkSize: 333).pipe(to: tap)
        return tap.finalize()
    }

    /// Reads `file` through a checker built for `recorded`; returns what passed and the error.
    static func read(_ file: [UInt8], recordedFrom recorded: [UInt8], chunkSize: Int = 257) throws -> (
        passed: [UInt8], error: StreamError?
    ) {
        let checker = try SegmentCheckingSource(
            upstream: MemorySource(file, chunkSize: chunkSize), segmentSize: size,
            expected: try digests(recorded), totalBytes: Int64(recorded.count), fileName: "f")
        let sink = MemorySink()
        do { try checker.pipe(to: sink) } catch let error as StreamError { return (sink.bytes, error) }
        return (sink.bytes, nil)
    }

    @Test(
        "an intact file passes whole, in any chunking", arguments: [0, 1, 999, 1000, 1001, 2000, 4321],
        [1, 257, 1000, 5000])
    func intact(count: Int, chunkSize: Int) throws {
        let bytes = Self.data(count)
        #expect(try Self.digests(bytes).count == (count + Self.size - 1) / Self.size)
        let (passed, error) = try Self.read(bytes, recordedFrom: bytes, chunkSize: chunkSize)
        #expect(error == nil)
        #expect(passed == bytes)
    }

    @Test(
        "a changed byte is refused before its segment goes on, naming the segment",
        arguments: [0, 999, 1000, 2500, 4320])
    func flipped(at index: Int) throws {
        let original = Self.data(4321)
        var changed = original
        changed[index] ^= 0x01
        let (passed, error) = try Self.read(changed, recordedFrom: original)
        let segment = index / Self.size
        #expect(passed == Array(original[..<(segment * Self.size)]))
        #expect(error?.message.contains("segment \(segment + 1) of 5") == true)
        #expect(error?.damagedData == true)
    }

    @Test(
        "extra bytes after the last segment are refused, whether they fill it or start a new one",
        arguments: [4322, 5000, 5001, 9000])
    func extra(count: Int) throws {
        let original = Self.data(4321)
        let longer = original + Self.data(count - 4321).map { $0 ^ 0x5A }
        let (passed, error) = try Self.read(longer, recordedFrom: original)
        #expect(passed == original)
        #expect(error?.message.contains("goes on beyond the 4321 bytes") == true)
    }

    @Test(
        "a file cut short is refused, in a full segment and in the short last one",
        arguments: [0, 1, 999, 1000, 3999, 4000, 4320])
    func missing(count: Int) throws {
        let original = Self.data(4321)
        let (passed, error) = try Self.read(Array(original[..<count]), recordedFrom: original)
        #expect(passed == Array(original[..<(count / Self.size * Self.size)]))
        #expect(error?.message.contains("(truncated)") == true)
    }

    @Test("a manifest whose segment list cannot describe its size is refused before reading")
    func inconsistentManifest() throws {
        #expect(throws: StreamError.self) {
            _ = try SegmentCheckingSource(
                upstream: MemorySource([]), segmentSize: Self.size, expected: ["00"], totalBytes: 5000, fileName: "f")
        }
        #expect(throws: StreamError.self) {
            _ = try SegmentCheckingSource(
                upstream: MemorySource([]), segmentSize: 0, expected: [], totalBytes: 0, fileName: "f")
        }
    }

    @Test("the segment digests are those of sha256sum over each piece")
    func digestsMatchPieces() throws {
        let bytes = Self.data(2500)
        let pieces = stride(from: 0, to: bytes.count, by: Self.size).map {
            Array(bytes[$0..<min(bytes.count, $0 + Self.size)])
        }
        let expected = try pieces.map { piece -> String in
            let tap = SHA256Tap(downstream: NullSink())
            try tap.write(piece)
            return tap.finalize()
        }
        #expect(try Self.digests(bytes) == expected)
    }
}

/// The two new settings: full fingerprints only, and the trust list's default.
@Suite struct SigningSettingsTests {
    static let fpr1 = "0123456789ABCDEF0123456789ABCDEF01234567"
    static let fpr2 = "89abcdef0123456789abcdef0123456789abcdef"

    static func configuration(_ values: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: values, environmentFile: nil)
    }

    @Test func trustedSignersDefaultToTheSigningKey() async throws {
        let configuration = try await Self.configuration(["BACKUP_SIGNING_KEY": Self.fpr1])
        #expect(try configuration.trustedSigners() == [Self.fpr1])
        #expect(try configuration.signingKey() == Self.fpr1)
    }

    @Test func trustedSignersAreAListInEitherCase() async throws {
        let configuration = try await Self.configuration([
            "BACKUP_SIGNING_KEY": Self.fpr1, "BACKUP_TRUSTED_SIGNERS": "\(Self.fpr2), \(Self.fpr1)"
        ])
        #expect(try configuration.trustedSigners() == [Self.fpr2.uppercased(), Self.fpr1])
    }

    @Test func noSettingsMeansNoCheck() async throws {
        #expect(try await Self.configuration([:]).trustedSigners().isEmpty)
    }

    @Test(
        "a short key id or a user id is refused with what to type",
        arguments: ["ABCDEF0123456789", "Lifeboat Test <t@x>", "\(fpr1) \(fpr2)"])
    func refused(_ value: String) async throws {
        let configuration = try await Self.configuration(["BACKUP_SIGNING_KEY": value])
        let error = #expect(throws: LifeboatError.self) { try configuration.signingKey() }
        #expect(error?.message.contains("BACKUP_SIGNING_KEY") == true)
        #expect(error?.message.contains("fingerprint") == true)
    }
}
