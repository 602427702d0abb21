import Foundation

/// A pipeline stage failed. Names the stage so that the user knows where to look
/// ("gzip", "encrypt", "write", "pg_dump", ...), and says why and, where known, what to do.
public struct StreamError: Error, CustomStringConvertible, Sendable {
    public struct Stage: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let read = Stage("read")
        public static let gzip = Stage("gzip")
        public static let gunzip = Stage("gunzip")
        public static let encrypt = Stage("encrypt")
        public static let decrypt = Stage("decrypt")
        public static let write = Stage("write")
    }

    public let stage: Stage
    public let message: String
    public let hint: String?
    /// The errno behind the failure, when a system call failed.
    public let errno: Int32?
    /// True when the data itself is damaged (bad CRC, failed integrity check, truncation),
    /// as opposed to the environment failing (missing key, full disk).
    public let damagedData: Bool

    public init(stage: Stage, message: String, hint: String? = nil, errno: Int32? = nil, damagedData: Bool = false) {
        self.stage = stage
        self.message = message
        self.hint = hint
        self.errno = errno
        self.damagedData = damagedData
    }

    public var description: String {
        var text = "\(stage) stage failed: \(message)"
        if let hint { text += " — \(hint)" }
        return text
    }

    /// An error for a failed system call, with the errno text and a hint for the common causes.
    static func system(_ stage: Stage, _ what: String, errno code: Int32) -> StreamError {
        let hint: String?
        switch code {
        case ENOSPC, EDQUOT: hint = "the disk is full: free space or point BACKUP_DIR at a larger volume"
        case EFBIG:
            hint = "the file size limit was reached (ulimit -f) or the disk is full: raise the limit or free space"
        case EACCES, EPERM, EROFS:
            hint = "check the folder's owner and permissions, or set BACKUP_DIR to a writable folder"
        default: hint = nil
        }
        return StreamError(
            stage: stage, message: "\(what): \(String(cString: strerror(code)))", hint: hint, errno: code)
    }
}
