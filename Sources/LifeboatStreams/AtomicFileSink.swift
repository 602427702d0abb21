import Foundation

/// Writes a file so that it appears whole or not at all: bytes go to a hidden `.NAME.partial`
/// beside the target (written back as they come, see `WriteBehind`), then fsync, then a hard
/// link to the final name (which refuses to replace an existing file, so two writers never
/// overwrite each other), then the directory is fsync'd.
/// Until `commit` the partial file is removed on every path, including `deinit`.
///
/// A process killed outright (SIGKILL, power loss) cannot remove its partial file. So that a
/// later run can, the writer holds an exclusive `flock` on the partial file until it is named
/// or removed, and marks it with the extended attribute `user.lifeboat.partial` (see
/// `removeAbandonedPartials`): a marked file nobody holds the lock on was abandoned. Partial
/// files of other writers, such as a resumable `fetch`, carry no mark and are never touched.
public final class AtomicFileSink: ByteSink {
    public let directory: URL
    public let finalName: String
    public var partialPath: String { directory.appendingPathComponent(partialName).path }
    public var finalPath: String { directory.appendingPathComponent(finalName).path }
    private let partialName: String
    private var fd: Int32
    /// A second descriptor of the partial file holding its `flock` until it is named or
    /// removed, so the lock outlives the close of `fd` in `commit` (no sweep can take it then).
    private var lockFD: Int32 = -1
    private var committed = false
    /// Bytes written, and how many of them the kernel has been asked to write back already.
    private var written: Int64 = 0
    private var writeBackRequested: Int64 = 0

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
        let opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard opened >= 0 else {
            throw StreamError.system(.write, "cannot create \(path)", errno: errno)
        }
        // open() applies the umask; the file must be exactly `permissions` whatever the umask.
        fchmod(opened, permissions)
        fd = opened
        // Lock first, mark second: a sweep only takes marked files, and a marked file is
        // always locked while its writer lives. Where locks or extended attributes are not
        // supported the file stays unmarked and is never swept (as before).
        let lock = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 {
            lockFD = lock
            _ = PartialMarker.set(on: opened)
        } else if lock >= 0 {
            close(lock)
        }
    }

    deinit { abort() }

    public func write(_ chunk: [UInt8]) throws {
        guard fd >= 0 else { throw StreamError(stage: .write, message: "\(finalName) is already closed") }
        try Self.writeAll(chunk, to: fd, path: partialPath)
        written += Int64(chunk.count)
        if written - writeBackRequested >= WriteBehind.interval {
            WriteBehind.start(fd, offset: writeBackRequested, length: written - writeBackRequested)
            writeBackRequested = written
        }
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
        PartialMarker.remove(from: fd)  // the finished file is no partial (the lock still guards it)
        let closeResult = close(fd)
        fd = -1
        if closeResult != 0 { throw StreamError.system(.write, "closing \(partialPath) failed", errno: errno) }
        if link(partialPath, finalPath) != 0 {
            throw StreamError.system(.write, "cannot name the file \(finalPath)", errno: errno)
        }
        committed = true
        unlink(partialPath)
        releaseLock()
        try Self.syncDirectory(directory)
    }

    /// Removes the partial file; nothing that looks like the target is left behind.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        if !committed { unlink(partialPath) }
        releaseLock()
    }

    private func releaseLock() {
        if lockFD >= 0 { close(lockFD); lockFD = -1 }
    }

    /// Removes the partial files in `directory` whose writer is gone: hidden `.NAME.partial`
    /// files (with `accept(NAME)` true) that carry this type's mark and whose lock can be
    /// taken, which the kernel allows only once the writing process has ended (a live writer,
    /// on this host or through a shared filesystem's locks, holds it). Returns the file names
    /// removed, or with `dryRun` the ones that would be. Anything unmarked, locked, not a
    /// regular file or unreadable is left alone: the sweep only ever errs on the side of keeping.
    public static func removeAbandonedPartials(
        in directory: URL, dryRun: Bool = false,
        accept: (String) -> Bool = { _ in true }
    ) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for file in names.sorted()
        where file.hasPrefix(".") && file.hasSuffix(".partial") && file.count > ".partial".count + 1 {
            guard accept(String(file.dropFirst().dropLast(".partial".count))) else { continue }
            let path = directory.appendingPathComponent(file).path
            // O_NONBLOCK: a FIFO of that name must not hang the sweep.
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var opened = stat()
            var current = stat()
            guard fstat(fd, &opened) == 0, (opened.st_mode & S_IFMT) == S_IFREG else { continue }
            guard PartialMarker.isSet(on: fd) else { continue }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }  // its writer is alive
            // The name must still be the file we locked (not one created since).
            guard lstat(path, &current) == 0, current.st_ino == opened.st_ino, current.st_dev == opened.st_dev else {
                continue
            }
            if dryRun || unlink(path) == 0 { removed.append(file) }
        }
        return removed
    }

    /// Makes a rename or link in `directory` durable.
    public static func syncDirectory(_ directory: URL) throws {
        let dirFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw StreamError.system(.write, "cannot open \(directory.path)", errno: errno) }
        defer { close(dirFD) }
        if fsync(dirFD) != 0 { throw StreamError.system(.write, "fsync of \(directory.path) failed", errno: errno) }
    }

    /// Writes small data (a manifest) atomically: temporary file, fsync, rename over the target.
    ///
    /// The temporary name is unpredictable and created with O_EXCL|O_NOFOLLOW: the folder may be
    /// writable by others (node_exporter's textfile folder, a shared BACKUP_DIR), and a name they
    /// could guess would let them plant a symbolic link that Lifeboat (often root) writes through.
    public static func writeReplacing(_ data: [UInt8], to url: URL, permissions: mode_t = 0o600) throws {
        let directory = url.deletingLastPathComponent()
        var temporary = directory
        var fd: Int32 = -1
        for _ in 0..<8 where fd < 0 {
            let token = String(UInt64.random(in: .min ... .max), radix: 36)
            temporary = directory.appendingPathComponent("." + url.lastPathComponent + ".\(getpid()).\(token).tmp")
            fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
            if fd < 0 && errno != EEXIST { break }
        }
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

/// The extended attribute `user.lifeboat.partial` that marks a partial file as an
/// `AtomicFileSink`'s. Glibc's Swift module leaves out <sys/xattr.h>, so its three functions
/// are looked up once by name; where they or the filesystem's support are missing, nothing is
/// marked and nothing is ever swept.
enum PartialMarker {
    static let name = "user.lifeboat.partial"
    static let value = "atomic-file-sink"

    private typealias SetFunction = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int, Int32) -> Int32
    private typealias GetFunction = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeMutableRawPointer, Int) -> Int
    private typealias RemoveFunction = @convention(c) (Int32, UnsafePointer<CChar>) -> Int32

    private static func function<F>(_ symbol: String, as type: F.Type) -> F? {
        dlsym(nil, symbol).map { unsafeBitCast($0, to: type) }
    }

    private static let fsetxattr = function("fsetxattr", as: SetFunction.self)
    private static let fgetxattr = function("fgetxattr", as: GetFunction.self)
    private static let fremovexattr = function("fremovexattr", as: RemoveFunction.self)

    @discardableResult
    static func set(on fd: Int32) -> Bool {
        guard let fsetxattr else { return false }
        return value.withCString { fsetxattr(fd, name, $0, strlen($0), 0) } == 0
    }

    static func isSet(on fd: Int32) -> Bool {
        guard let fgetxattr else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBytes { fgetxattr(fd, name, $0.baseAddress!, $0.count) }
        return length > 0 && String(decoding: buffer.prefix(length), as: UTF8.self) == value
    }

    static func remove(from fd: Int32) {
        _ = fremovexattr.map { $0(fd, name) }
    }
}

/// Asks the kernel to start writing a file's newest bytes to disk while the writer goes on
/// (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`, as PostgreSQL's `backend_flush_after`
/// does), so that the fsync that makes a backup durable waits for its last few megabytes
/// rather than for the whole file: on a disk writing 100 MB/s, a 50 MB backup's fsync took
/// half a second, all of it after the dump had ended. It never waits and never fails a write:
/// durability still comes from the fsync in `commit`.
enum WriteBehind {
    /// Every 8 MiB: large enough that the calls cost nothing, small enough to keep the disk busy.
    static let interval: Int64 = 8 << 20

    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// `SYNC_FILE_RANGE_WRITE` from <fcntl.h>.
    private static let startWriting: UInt32 = 2
    /// glibc declares `sync_file_range` only under `_GNU_SOURCE`, which Swift's Glibc module is
    /// built without: the symbol is looked up instead (nil elsewhere, where this does nothing).
    private static let syncFileRange: SyncFileRange? = dlopen(nil, RTLD_NOW).flatMap {
        dlsym($0, "sync_file_range")
    }.map { unsafeBitCast($0, to: SyncFileRange.self) }

    static func start(_ fd: Int32, offset: Int64, length: Int64) {
        _ = syncFileRange?(fd, offset, length, startWriting)
    }
}
