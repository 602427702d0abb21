import Foundation

/// Free space on the filesystem holding a folder, as an unprivileged process may use it
/// (statvfs `f_bavail`, without the blocks reserved for root).
public enum DiskSpace {
    public static func freeBytes(at directory: URL) throws -> Int64 {
        var info = statvfs()
        while statvfs(directory.path, &info) != 0 {
            guard errno == EINTR else {
                throw LifeboatError(
                    stage: "disk space",
                    message: "cannot read the free space of \(directory.path): \(String(cString: strerror(errno)))",
                    hint: "check that the folder exists and this user may read it")
            }
        }
        return Int64(clamping: UInt64(info.f_bavail) &* UInt64(info.f_frsize))
    }

    /// Free bytes in BACKUP_DIR, for metrics and `status`.
    public static func freeBytes(_ configuration: LifeboatConfiguration) throws -> Int64 {
        try freeBytes(at: configuration.backupDirectory)
    }
}
