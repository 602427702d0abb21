import Foundation

/// A file one thread appends to while another reads it from its first byte: a download that is
/// at once the restore's input and, kept on disk, what a resume continues from and the evidence
/// of what was restored. The reader waits at the end for more bytes until the writer says the
/// file is complete, or failed (its error is then the reader's), so memory stays flat however
/// far the two drift apart: the file itself is the buffer.
public final class GrowingFile: @unchecked Sendable {
    // @unchecked: `length`, `ended`, `failure` and `abandoned` are read and written only while
    // `condition` is locked.
    public let path: String
    private let condition = NSCondition()
    private var length: Int64
    private var ended = false
    private var failure: (any Error)?
    private var abandoned = false

    /// `length`: the bytes already in the file (a resumed download's earlier part).
    public init(path: String, length: Int64) {
        self.path = path
        self.length = length
    }

    /// The writer: the file now holds `length` bytes.
    public func grew(to length: Int64) {
        update { $0.length = length }
    }

    /// The writer: the file is complete; readers get what is left, then the end.
    public func finish() {
        update { $0.ended = true }
    }

    /// The writer: no more bytes will come; readers throw `error` once they reach the end of what is there.
    public func fail(_ error: any Error) {
        update { if $0.failure == nil { $0.failure = error } }
    }

    /// The reader's side gave up (the restore failed): the writer stops at its next chunk.
    public func abandon() {
        update { $0.abandoned = true }
    }

    public var isAbandoned: Bool {
        condition.lock()
        defer { condition.unlock() }
        return abandoned
    }

    /// The writer finished: every byte is in the file.
    public var isComplete: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended
    }

    /// Blocks until the writer has finished or failed.
    @discardableResult
    public func waitForWriter() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while !ended && failure == nil { condition.wait() }
        return failure
    }

    /// A new reader from the file's first byte.
    public func source() throws -> GrowingFileSource {
        try GrowingFileSource(file: self)
    }

    /// Whether there is more than `position` bytes to read; waits while the writer may still add some.
    func waitForMore(than position: Int64) throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while length <= position && !ended && failure == nil && !abandoned { condition.wait() }
        if length > position { return true }
        if let failure { throw failure }
        if abandoned { throw StreamError(stage: .read, message: "reading \(path) was stopped") }
        return false
    }

    private func update(_ change: (GrowingFile) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}

/// Reads a `GrowingFile` from its start, waiting at its end for the writer; owns its descriptor.
public final class GrowingFileSource: ByteSource {
    private let file: GrowingFile
    private let fd: Int32
    private let reader: FileDescriptorSource
    public private(set) var position: Int64 = 0

    init(file: GrowingFile) throws {
        let opened = open(file.path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { throw StreamError.system(.read, "cannot open \(file.path)", errno: errno) }
        self.file = file
        fd = opened
        reader = FileDescriptorSource(fileDescriptor: opened, stage: .read)
    }

    deinit { close(fd) }

    public func next() throws -> [UInt8]? {
        while true {
            if let chunk = try reader.next() {
                position += Int64(chunk.count)
                return chunk
            }
            guard try file.waitForMore(than: position) else { return nil }
        }
    }
}
