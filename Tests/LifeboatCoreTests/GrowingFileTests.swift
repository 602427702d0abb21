import Foundation
import Testing
@testable import LifeboatStreams

/// The file a streamed restore reads while its download appends to it: the reader gets every
/// byte in order whatever the writer's pace, waits at the end instead of stopping early, and
/// gets the writer's error once it has read what arrived.
struct GrowingFileTests {
    static func file(prefix: [UInt8] = []) throws -> (GrowingFile, Int32, URL) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("growing-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(prefix))
        let fd = open(url.path, O_WRONLY | O_APPEND)
        try #require(fd >= 0)
        return (GrowingFile(path: url.path, length: Int64(prefix.count)), fd, url)
    }

    static func readAll(_ source: any ByteSource) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try source.next() { bytes += chunk }
        return bytes
    }

    /// The writer hands over one chunk at a time, each only after the reader asked past the
    /// end: the reader must wait, not take the end of what is there for the end of the file.
    @Test func theReaderWaitsForTheWriterAndGetsEveryByteInOrder() throws {
        let resumed: [UInt8] = Array("kept from before;".utf8)
        let (file, fd, url) = try Self.file(prefix: resumed)
        defer { close(fd); unlink(url.path) }
        let chunks = (0..<50).map { index in [UInt8](repeating: UInt8(index), count: 70_000) }
        let writer = Thread { [file] in
            var length = Int64(resumed.count)
            for chunk in chunks {
                chunk.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
                length += Int64(chunk.count)
                file.grew(to: length)
            }
            file.finish()
        }
        writer.start()
        let read = try Self.readAll(try file.source())
        #expect(read == resumed + chunks.flatMap { $0 })
    }

    struct Cut: Error {}

    @Test func theWritersFailureReachesTheReaderAfterWhatArrived() throws {
        let (file, fd, url) = try Self.file(prefix: Array("half".utf8))
        defer { close(fd); unlink(url.path) }
        let source = try file.source()
        #expect(try source.next() == Array("half".utf8))
        file.fail(Cut())
        #expect(throws: Cut.self) { try source.next() }
        #expect(file.waitForWriter() is Cut)
    }

    @Test func anAbandonedFileStopsItsReaderAndTellsTheWriter() throws {
        let (file, fd, url) = try Self.file()
        defer { close(fd); unlink(url.path) }
        let source = try file.source()
        file.abandon()
        #expect(file.isAbandoned)
        #expect(throws: StreamError.self) { try source.next() }
    }
}
