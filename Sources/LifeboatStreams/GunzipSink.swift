/// Decompresses gzip data pushed into it and passes the result on, through ISA-L's streaming
/// inflate. Each member's CRC-32 and length are checked, so damage anywhere is caught;
/// `finish()` catches a truncated file. Concatenated members (Lifeboat's parallel writer,
/// `cat a.gz b.gz`, pigz) are read in turn, as is a single-member file from any gzip. Output
/// leaves in `streamChunkSize` pieces, so a member that expands a thousandfold still passes
/// through in constant memory.
public final class GunzipSink: ByteSink {
    private let downstream: any ByteSink
    private let inflater = ISAL.Inflater()
    private var sawInput = false
    public private(set) var bytesOut: Int64 = 0

    public init(downstream: any ByteSink) throws {
        self.downstream = downstream
    }

    public func write(_ chunk: [UInt8]) throws {
        guard !chunk.isEmpty else { return }
        sawInput = true
        try chunk.withUnsafeBytes { input in
            var offset = 0
            while true {
                if inflater.memberFinished {
                    // Bytes after a member's trailer start the next member.
                    guard offset < input.count else { return }
                    inflater.nextMember()
                }
                let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
                let (output, consumed) = try inflater.inflate(rest, outputSize: streamChunkSize)
                offset += consumed
                if !output.isEmpty {
                    bytesOut += Int64(output.count)
                    try downstream.write(output)
                }
                // A full output buffer may leave more owed from input already consumed.
                let outputFull = output.count == streamChunkSize
                if offset == input.count && !outputFull && !inflater.memberFinished { return }
                if consumed == 0 && output.isEmpty && !inflater.memberFinished {
                    throw StreamError(
                        stage: .gunzip, message: "ISA-L inflate made no progress on \(input.count - offset) bytes",
                        hint: "this is a bug in Lifeboat: please report it with the backup's size and level")
                }
            }
        }
    }

    /// Call at the end of input: fails unless the last member ended cleanly.
    public func finish() throws {
        guard sawInput, inflater.memberFinished else {
            throw StreamError(
                stage: .gunzip, message: sawInput ? "the gzip data ends early (truncated file)" : "the file is empty",
                hint: "the file was cut short; use another backup", damagedData: true)
        }
    }
}
