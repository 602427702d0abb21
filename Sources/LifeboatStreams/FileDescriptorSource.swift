import Foundation

/// Reads a file descriptor (a child's stdout pipe, or a file) in chunks until end of file.
/// Does not own the descriptor: whoever opened it closes it.
public final class FileDescriptorSource: ByteSource {
    private let fd: Int32
    private let stage: StreamError.Stage
    private let chunkSize: Int
    public private(set) var bytesRead: Int64 = 0

    public init(fileDescriptor: Int32, stage: StreamError.Stage = .read, chunkSize: Int = streamChunkSize) {
        self.fd = fileDescriptor
        self.stage = stage
        self.chunkSize = chunkSize
    }

    public func next() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytesRead += Int64(count)
                if count < chunk.count { chunk.removeSubrange(count...) }
                return chunk
            }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            throw StreamError.system(stage, "read failed", errno: errno)
        }
    }
}
