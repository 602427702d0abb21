import Foundation

/// The folder where a parallel restore puts COPY data that no worker could take yet, and the
/// files in it. A file holds the rest of one COPY block: written once by the reader, read
/// once by the worker that loads the block, removed as soon as that worker is done with it,
/// so the folder never holds more than the dump's data (temporary disk ≤ 1× the dump). The
/// folder itself is removed when the restore ends, on failure too.
final class CopySpool: Sendable {
    let folder: URL

    /// A fresh folder under `parent` (the run folder when there is one, else the system's
    /// temporary folder), named so that two restores never share one.
    init(parent: URL?) throws {
        let base = parent ?? FileManager.default.temporaryDirectory
        folder = base.appendingPathComponent("lifeboat-copy-spool-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw LifeboatError(
                stage: "restore",
                message: "cannot create the COPY spool folder \(folder.path): \(error.localizedDescription)",
                hint: "give the restore a writable folder with free space (TMPDIR, or the run folder)",
                category: .configuration)
        }
    }

    /// A new, empty file for one block.
    func makeFile() throws -> URL {
        let file = folder.appendingPathComponent("copy-\(UUID().uuidString).data")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw LifeboatError(
                stage: "restore", message: "cannot create the COPY spool file \(file.path)",
                hint: "check the free space and permissions of \(folder.path)")
        }
        return file
    }

    /// Removes the folder and whatever is left in it.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
