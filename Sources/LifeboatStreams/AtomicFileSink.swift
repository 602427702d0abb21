import Foundation

/// Writes a file so that it appears whole or not at all: bytes go to a hidden `.NAME.partial`
/// beside the target, then fsync, then a hard link to the final name (which refuses to replace
/// an existing file, so two writers never overwrite each other), then the directory is fsync'd.
/// Until `commit` the partial file is removed on every path, including `deinit`.
public final class AtomicFileSink: ByteSink {
    public let directory: URL
    public let finalName: String
    public var partialPath: String { directory.appendingPathComponent(partialName).path }
    public var finalPath: String { directory.appendingPathComponent(finalName).path }
    private let partialName: String
    private var fd: Int32
    private var committed = false

    /// Creates the partial file exclusively with the given permissions (0600: backups hold data).
    /// Throws `StreamError` with `errno == EEXIST` when the name is already taken.
    public init(directory: URL, finalName: String, permissions: mode_t = 0o600) throws {
        self.directory = directory
        self.finalName = finalName
        self.partialName = "." + finalName + ".partial"
        let finalPath = directory.appendingPathComponent(finalName).path
        if FileManager.default.fileExists(atPath: finalPath) {
            throw StreamError(stage: .write, message: "\(finalPath) already exists", errno: EEXIST)
        }
        let path = directory.appendingPathComponent(partialName).path
        let opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard opened >= 0 else {
            throw StreamError.system(.write, "cannot create \(path)", errno: errno)
        }
        // open() applies the umask; the file must be exactly `permissions` whatever the umask.
        fchmod(opened, permissions)
        fd = opened
    }

    deinit { abort() }

    public func write(_ chunk: [UInt8]) throws {
        guard fd >= 0 else { throw StreamError(stage: .write, message: "\(finalName) is already closed") }
        try Self.writeAll(chunk, to: fd, path: partialPath)
    }

    /// write(2) until every byte is out, retrying on EINTR and short writes.
    private static func writeAll(_ data: [UInt8], to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StreamError.system(.write, "writing \(path) failed", errno: errno)
                }
                offset += written
            }
        }
    }

    /// Makes the file durable under its final name. After this the file is the caller's.
    public func commit() throws {
        guard fd >= 0 else { throw StreamError(stage: .write, message: "\(finalName) is already closed") }
        if fsync(fd) != 0 { throw StreamError.system(.write, "fsync of \(partialPath) failed", errno: errno) }
        let closeResult = close(fd)
        fd = -1
        if closeResult != 0 { throw StreamError.system(.write, "closing \(partialPath) failed", errno: errno) }
        if link(partialPath, finalPath) != 0 {
            throw StreamError.system(.write, "cannot name the file \(finalPath)", errno: errno)
        }
        committed = true
        unlink(partialPath)
        try Self.syncDirectory(directory)
    }

    /// Removes the partial file; nothing that looks like the target is left behind.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        if !committed { unlink(partialPath) }
    }

    /// Makes a rename or link in `directory` durable.
    public static func syncDirectory(_ directory: URL) throws {
        let dirFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw StreamError.system(.write, "cannot open \(directory.path)", errno: errno) }
        defer { close(dirFD) }
        if fsync(dirFD) != 0 { throw StreamError.system(.write, "fsync of \(directory.path) failed", errno: errno) }
    }

    /// Writes small data (a manifest) atomically: temporary file, fsync, rename over the target.
    public static func writeReplacing(_ data: [UInt8], to url: URL, permissions: mode_t = 0o600) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent("." + url.lastPathComponent + ".\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw StreamError.system(.write, "cannot create \(temporary.path)", errno: errno) }
        fchmod(fd, permissions)
        var ok = false
        defer { if !ok { close(fd); unlink(temporary.path) } }
        try writeAll(data, to: fd, path: temporary.path)
        if fsync(fd) != 0 { throw StreamError.system(.write, "fsync of \(temporary.path) failed", errno: errno) }
        close(fd)
        ok = true
        if rename(temporary.path, url.path) != 0 {
            let code = errno
            unlink(temporary.path)
            throw StreamError.system(.write, "cannot rename to \(url.path)", errno: code)
        }
        try syncDirectory(directory)
    }
}
