import Foundation

extension Preflight {
    /// `disk.local`: room on this machine for what the operation writes before the restore (a
    /// download from the bucket, a decrypted copy), per folder; a file size limit
    /// (`ulimit -f`) smaller than one of those files fails too, as the write would.
    func localDisk(_ subject: PreflightSubject, _ backup: BackupFacts) -> PreflightCheck {
        let name = "disk.local"
        guard !subject.localWrites.isEmpty else {
            return PreflightCheck(name, .skipped, "nothing is written locally: the backup is read where it is")
        }
        var byFolder: [(folder: URL, bytes: Int64, why: [String], largest: Int64)] = []
        for write in subject.localWrites {
            guard let bytes = write.bytes(backup.manifest, backup.fileBytes) else {
                return PreflightCheck(
                    name, .warn, "the size of \(write.why) is unknown: \(backup.missingManifest)",
                    hint: "check the free space of \(write.folder.path) by hand")
            }
            if let index = byFolder.firstIndex(where: { $0.folder == write.folder }) {
                byFolder[index].bytes += bytes
                byFolder[index].why.append(write.why)
                byFolder[index].largest = max(byFolder[index].largest, bytes)
            } else {
                byFolder.append((write.folder, bytes, [write.why], bytes))
            }
        }
        var figures: [String] = []
        var worst = PreflightCheck.Status.ok
        var hint: String?
        for entry in byFolder {
            let measured = Self.existingAncestor(of: entry.folder)
            let free: Int64
            do { free = try DiskSpace.freeBytes(at: measured) } catch {
                return PreflightCheck(name, .warn, "cannot measure \(measured.path): \(error)")
            }
            let status = DiskRequirement.verdict(free: free, needed: entry.bytes, reserve: reserveBytes)
            figures.append(
                "\(ByteSize.decimal(free)) free in \(entry.folder.path), \(ByteSize.decimal(entry.bytes)) needed (\(entry.why.joined(separator: " + ")))"
            )
            if status == .fail {
                hint = "free space there, or point LIFEBOAT_STATE_DIR (run folders) or BACKUP_DIR at a larger volume"
            }
            worst = max(worst, status)
            if let limit = Self.fileSizeLimit(), limit < entry.largest {
                figures.append(
                    "the file size limit (ulimit -f) is \(ByteSize.decimal(limit)), the largest file is \(ByteSize.decimal(entry.largest))"
                )
                worst = .fail
                hint = "raise the limit (`ulimit -f unlimited`) in the shell that runs Lifeboat"
            }
        }
        if worst == .warn {
            hint = "it fits, but the disk will be nearly full (below BACKUP_DISK_MIN_FREE_GB) until the run ends"
        }
        return PreflightCheck(name, worst, figures.joined(separator: "; "), hint: hint)
    }

    /// The folder itself, or the nearest parent that exists (a run's folder is made later).
    static func existingAncestor(of folder: URL) -> URL {
        var current = folder.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path) && current.path != "/" {
            current.deleteLastPathComponent()
        }
        return current
    }

    /// RLIMIT_FSIZE in bytes, or nil when unlimited: a larger write would end in SIGXFSZ.
    static func fileSizeLimit() -> Int64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return nil
        }
        return Int64(clamping: limit.rlim_cur)
    }
}
