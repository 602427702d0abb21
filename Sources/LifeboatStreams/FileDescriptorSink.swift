import Foundation

/// Writes to a file descriptor (a child's stdin pipe). Does not own the descriptor.
/// A reader that went away (EPIPE) is reported as such: the caller then asks the child why.
public final class FileDescriptorSink: ByteSink {
    private let fd: Int32
    private let stage: StreamError.Stage
    public private(set) var bytesWritten: Int64 = 0

    public init(fileDescriptor: Int32, stage: StreamError.Stage) {
        self.fd = fileDescriptor
        self.stage = stage
    }

    public func write(_ chunk: [UInt8]) throws {
        try chunk.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE {
                        throw StreamError(stage: stage, message: "\(stage) stopped reading its input", errno: EPIPE)
                    }
                    throw StreamError.system(stage, "writing to \(stage) failed", errno: errno)
                }
                offset += written
            }
        }
        bytesWritten += Int64(chunk.count)
    }
}
