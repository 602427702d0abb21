import Foundation

/// Reads a file in chunks; owns its descriptor.
public final class FileSource: ByteSource {
    private let fd: Int32
    private let reader: FileDescriptorSource
    public let path: String

    public init(path: String) throws {
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { throw StreamError.system(.read, "cannot open \(path)", errno: errno) }
        fd = opened
        self.path = path
        reader = FileDescriptorSource(fileDescriptor: opened, stage: .read)
    }

    deinit { close(fd) }

    public func next() throws -> [UInt8]? { try reader.next() }
}
