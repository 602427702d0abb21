import Foundation

/// The backups in a folder: files whose names parse as backups, with their manifests.
/// Everything else in the folder (notes, partial files, other tools' files) is invisible here.
public struct BackupInventory: Sendable {
    public struct Entry: Sendable {
        public let name: BackupName
        public let path: URL
        public let size: Int64
        public let manifest: BackupManifest?
        /// Why the manifest could not be read, when it exists but is damaged.
        public let manifestProblem: String?

        public var manifestPath: URL { path.deletingLastPathComponent().appendingPathComponent(name.manifestName) }
    }

    public let directory: URL
    /// Newest first.
    public let entries: [Entry]

    public static func scan(_ directory: URL) throws -> BackupInventory {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw LifeboatError(
                stage: "list",
                message: "cannot read the backup folder \(directory.path): \(error.localizedDescription)",
                hint: "check BACKUP_DIR and that this user may read it")
        }
        let entries = files.compactMap { file -> Entry? in
            guard let name = BackupName(fileName: file) else { return nil }
            let path = directory.appendingPathComponent(file)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path.path),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { return nil }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let manifestURL = directory.appendingPathComponent(name.manifestName)
            var manifest: BackupManifest?
            var problem: String?
            if FileManager.default.fileExists(atPath: manifestURL.path) {
                do {
                    manifest = VerificationRecord.merged(try BackupManifest.read(from: manifestURL), backup: path)
                } catch { problem = "manifest unreadable: \(error)" }
            }
            return Entry(name: name, path: path, size: size, manifest: manifest, manifestProblem: problem)
        }
        return BackupInventory(directory: directory, entries: entries.sorted { $0.name > $1.name })
    }
}
