import Foundation
import Glibc
import Testing
@testable import LifeboatCore
import LifeboatStreams

/// Issue 18, item 4: files Lifeboat writes where others may write never follow a planted
/// symbolic link, and files it writes into a data directory are written by the cluster's owner.
@Suite struct PlantedLinkTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The temporary names of the old helper (`.NAME.PID.tmp`) and the lock beside the textfile,
    /// planted as links to a victim file: the victim keeps its content.
    @Test func theMetricsTextfileNeverWritesThroughAPlantedLink() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let victim = folder.appendingPathComponent("victim")
        try "precious\n".write(to: victim, atomically: false, encoding: .utf8)
        for name in [".lifeboat.prom.\(getpid()).tmp", "..lifeboat.prom.json.\(getpid()).tmp"] {
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent(name).path, withDestinationPath: victim.path)
        }
        let textfile = MetricsTextfile(path: folder.appendingPathComponent("lifeboat.prom").path)
        textfile.update(warn: { _ in }) { $0.backup(type: "daily", succeeded: true, durationSeconds: 1, sizeBytes: 1) }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
        #expect(
            try String(contentsOf: folder.appendingPathComponent("lifeboat.prom"), encoding: .utf8).contains(
                "lifeboat_backups_total"))
    }

    @Test func theLockBesideTheTextfileIsNotFollowed() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let elsewhere = folder.appendingPathComponent("created-through-the-link")
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent(".lifeboat.prom.lock").path, withDestinationPath: elsewhere.path)
        var warnings: [String] = []
        MetricsTextfile(path: folder.appendingPathComponent("lifeboat.prom").path).update(warn: { warnings.append($0) })
        { _ in }
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path), "the lock was created through the link")
        #expect(!warnings.isEmpty)
    }

    @Test func writeReplacingMakesItsTemporaryFileExclusively() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("x.manifest.json")
        try AtomicFileSink.writeReplacing(Array("one".utf8), to: target)
        try AtomicFileSink.writeReplacing(Array("two".utf8), to: target, permissions: 0o644)
        #expect(try String(contentsOf: target, encoding: .utf8) == "two")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["x.manifest.json"],
            "no temporary file left")
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    /// As root, a file in a data directory owned by postgres is written by postgres: it ends up
    /// theirs, and a link they planted to a root-only file is written with their rights (refused).
    @Test(.enabled(if: getuid() == 0 && getpwnam("postgres") != nil))
    func dataDirectoryFilesAreWrittenByTheClusterOwner() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let postgres = getpwnam("postgres")!.pointee
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let data = folder.appendingPathComponent("pgdata")
        try FileManager.default.createDirectory(
            at: data, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        chown(data.path, postgres.pw_uid, postgres.pw_gid)
        let owner = RunAsUser(user: "postgres")

        let auto = data.appendingPathComponent("postgresql.auto.conf").path
        try DataDirectoryFile(path: auto, owner: owner).write("port = 5499\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: auto)
        #expect((attributes[.ownerAccountID] as? NSNumber)?.uint32Value == postgres.pw_uid)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: auto, encoding: .utf8) == "port = 5499\n")

        let rootOnly = folder.appendingPathComponent("root-only")
        try "root's\n".write(to: rootOnly, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: rootOnly.path)
        let planted = data.appendingPathComponent("pg_hba.conf").path
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: rootOnly.path)
        #expect(throws: LifeboatError.self) {
            try DataDirectoryFile(path: planted, owner: owner).write("host all all 0.0.0.0/0 trust\n")
        }
        #expect(try String(contentsOf: rootOnly, encoding: .utf8) == "root's\n")
    }
}
