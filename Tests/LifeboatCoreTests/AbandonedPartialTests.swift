import Foundation
import Testing
@testable import LifeboatStreams

/// The sweep of partial files whose writer is gone: a live writer's file (locked), an
/// unmarked one (an interrupted fetch's) and anything that is not a regular file are kept;
/// a marked file nobody holds is removed.
@Suite struct AbandonedPartialTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A partial file as a killed writer leaves it: marked, with no lock held.
    func abandoned(_ name: String, in directory: URL) throws -> Bool {
        let path = directory.appendingPathComponent(".\(name).partial").path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return PartialMarker.set(on: fd)
    }

    @Test func removesOnlyMarkedUnlockedRegularPartials() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Extended attributes are needed for the mark; without them nothing is ever swept.
        guard try abandoned("backup_daily_20250101T000000Z.sql", in: directory) else { return }
        let live = try AtomicFileSink(directory: directory, finalName: "backup_daily_20250102T000000Z.sql")
        try live.write(Array("live".utf8))
        try Data("fetch".utf8).write(to: directory.appendingPathComponent(".backup_daily_20250103T000000Z.sql.partial"))
        #expect(mkfifo(directory.appendingPathComponent(".backup_daily_20250104T000000Z.sql.partial").path, 0o600) == 0)
        try Data("note".utf8).write(to: directory.appendingPathComponent("notes.partial"))

        #expect(
            AtomicFileSink.removeAbandonedPartials(in: directory, dryRun: true) == [
                ".backup_daily_20250101T000000Z.sql.partial"
            ])
        #expect(
            FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(".backup_daily_20250101T000000Z.sql.partial").path))
        #expect(
            AtomicFileSink.removeAbandonedPartials(in: directory) { $0.hasPrefix("backup_weekly") }.isEmpty,
            "accept filters by name")
        #expect(AtomicFileSink.removeAbandonedPartials(in: directory) == [".backup_daily_20250101T000000Z.sql.partial"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                ".backup_daily_20250102T000000Z.sql.partial", ".backup_daily_20250103T000000Z.sql.partial",
                ".backup_daily_20250104T000000Z.sql.partial", "notes.partial"
            ])

        // The committed file keeps no mark, and the lock is gone with the writer.
        try live.commit()
        let fd = open(directory.appendingPathComponent("backup_daily_20250102T000000Z.sql").path, O_RDONLY)
        defer { close(fd) }
        #expect(!PartialMarker.isSet(on: fd))
        #expect(AtomicFileSink.removeAbandonedPartials(in: directory).isEmpty)
    }
}
