import Foundation
import Testing
import LifeboatStreams

@Suite struct RowCountTapTests {
    static let dump = """
        --
        -- PostgreSQL database dump
        --
        \\restrict abc
        CREATE TABLE public.actor (id int);
        CREATE FUNCTION f() RETURNS void AS $$
        COPY public.fake FROM stdin
        $$ LANGUAGE sql;
        COPY public.actor (actor_id, first_name) FROM stdin;
        1\tPENELOPE
        2\tNICK\\nwith escaped newline
        3\t\\.x
        \\.

        COPY "Odd Schema"."Table ""q"" x" (a) FROM stdin;
        \\.

        COPY public.payment_p2022_01 (payment_id) FROM stdin;
        1
        2
        \\.
        \\unrestrict abc

        """

    @Test(arguments: [1, 2, 3, 7, 64, 100_000])
    func countsRowsWhateverTheChunking(chunkSize: Int) throws {
        let tap = RowCountTap(upstream: MemorySource(Array(Self.dump.utf8), chunkSize: chunkSize))
        let sink = MemorySink()
        try tap.pipe(to: sink)
        #expect(sink.bytes == Array(Self.dump.utf8))
        #expect(
            tap.tables == [
                .init(schema: "public", name: "actor", rows: 3),
                .init(schema: "Odd Schema", name: "Table \"q\" x", rows: 0),
                .init(schema: "public", name: "payment_p2022_01", rows: 2)
            ])
    }
}

@Suite struct GzipTests {
    @Test func gunzipReadsWhatWeWrite() throws {
        var generator = SystemRandomNumberGenerator()
        // Half random (incompressible), half repetitive, to exercise both output paths.
        let input = (0..<600_000).map { $0 < 300_000 ? UInt8.random(in: 0...255, using: &generator) : UInt8($0 % 7) }
        let gzip = try GzipCompressor(upstream: MemorySource(input, chunkSize: 65_536))
        let compressed = MemorySink()
        try gzip.pipe(to: compressed)
        #expect(compressed.bytes.starts(with: [0x1f, 0x8b]))
        let output = try runTool("/bin/gunzip", ["-c"], input: compressed.bytes)
        #expect(output == input)
    }

    @Test func emptyInputIsAValidGzip() throws {
        let compressed = MemorySink()
        try GzipCompressor(upstream: MemorySource([])).pipe(to: compressed)
        #expect(try runTool("/bin/gunzip", ["-c"], input: compressed.bytes).isEmpty)
        let parallel = MemorySink()
        try ParallelGzipCompressor(upstream: MemorySource([])).pipe(to: parallel)
        #expect(try runTool("/bin/gunzip", ["-c"], input: parallel.bytes).isEmpty)
    }

    /// Many members, compressed on several threads, come out in order: gunzip and our own
    /// GunzipSink read them back byte for byte.
    @Test(arguments: [1, 2, 4])
    func parallelMembersAreReadInOrder(workers: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<1_500_000).map { $0 % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8($0 % 11) }
        let gzip = ParallelGzipCompressor(
            upstream: MemorySource(input, chunkSize: 50_000), workers: workers, blockSize: 65_536)
        let compressed = MemorySink()
        try gzip.pipe(to: compressed)
        #expect(gzip.bytesIn == Int64(input.count))
        #expect(try runTool("/bin/gunzip", ["-c"], input: compressed.bytes) == input)
        let plain = MemorySink()
        let gunzip = try GunzipSink(downstream: plain)
        for chunk in stride(from: 0, to: compressed.bytes.count, by: 70_000) {
            try gunzip.write(Array(compressed.bytes[chunk..<min(chunk + 70_000, compressed.bytes.count)]))
        }
        try gunzip.finish()
        #expect(plain.bytes == input)
    }
}

@Suite struct AtomicFileSinkTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func abortLeavesNothing() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let sink = try AtomicFileSink(directory: directory, finalName: "backup_manual_20250101T000000Z.sql")
            try sink.write(Array("partial".utf8))
            sink.abort()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// Past the write-behind interval the kernel is asked to write back as the file grows;
    /// the bytes and the commit are as before, and an abort still leaves nothing.
    @Test func aFileLargerThanTheWriteBehindIntervalArrivesWholeOrNotAtAll() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected = SHA256()
        let sink = try AtomicFileSink(directory: directory, finalName: "large")
        for index in 0..<24 {
            let chunk = [UInt8](repeating: UInt8(index), count: 1 << 20)
            expected.update(data: chunk)
            try sink.write(chunk)
        }
        try sink.commit()
        let written = try Data(contentsOf: directory.appendingPathComponent("large"))
        #expect(written.count == 24 << 20 && SHA256.hash(data: written) == expected.finalize())
        let abandoned = try AtomicFileSink(directory: directory, finalName: "abandoned")
        for _ in 0..<10 { try abandoned.write([UInt8](repeating: 1, count: 1 << 20)) }
        abandoned.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["large"])
    }

    @Test func commitCreates0600AndRefusesToOverwrite() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "backup_manual_20250101T000000Z.sql"
        let sink = try AtomicFileSink(directory: directory, finalName: name)
        try sink.write(Array("data".utf8))
        try sink.commit()
        let path = directory.appendingPathComponent(name).path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [name])
        do {
            _ = try AtomicFileSink(directory: directory, finalName: name)
            Issue.record("expected EEXIST")
        } catch let error as StreamError {
            #expect(error.errno == EEXIST)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "data")
    }
}

/// Runs a real command-line tool with `input` on stdin and returns its stdout.
func runTool(_ path: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return Array(output)
}
