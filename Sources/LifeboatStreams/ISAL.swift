import CIsal

/// Intel's ISA-L igzip: the fastest deflate for the lowest level band, and the streaming
/// inflate every gzip read goes through (about 4× zlib's speed here). The only ISA-L calls in
/// Lifeboat live here; the C state structs are large (tens of KiB), so they sit on the heap
/// and belong to one Swift owner each.
enum ISAL {
    /// One block as one gzip member with the stateless (whole-buffer) deflate at ISA-L level 1.
    static func gzipLevel1(_ input: [UInt8]) throws(StreamError) -> [UInt8] {
        let stream = UnsafeMutablePointer<isal_zstream>.allocate(capacity: 1)
        defer { stream.deallocate() }
        isal_deflate_stateless_init(stream)
        let workSize = Int(lifeboat_isal_level1_buffer_size())
        let work = UnsafeMutablePointer<UInt8>.allocate(capacity: workSize)
        defer { work.deallocate() }
        stream.pointee.level = 1
        stream.pointee.level_buf = work
        stream.pointee.level_buf_size = UInt32(workSize)
        stream.pointee.gzip_flag = UInt16(IGZIP_GZIP)
        stream.pointee.end_of_stream = 1
        stream.pointee.flush = UInt16(NO_FLUSH)
        // Room for stored blocks (5 bytes per 64 KiB) when the data does not compress, plus
        // the gzip header and trailer: ISA-L then never reports an overflow.
        let capacity = input.count + input.count / 8 + 4096
        var status: Int32 = COMP_OK
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { outBuffer, initialized in
            status = input.withUnsafeBufferPointer { inBuffer in
                // ISA-L does not write through next_in; the block is read in place.
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.pointee.avail_in = UInt32(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outBuffer.count)
                return isal_deflate_stateless(stream)
            }
            initialized = status == COMP_OK ? Int(stream.pointee.total_out) : 0
        }
        guard status == COMP_OK else {
            throw StreamError(stage: .gzip, message: "ISA-L deflate failed (\(status)) on a \(input.count)-byte block")
        }
        return Array(output[...])
    }

    /// A streaming gzip inflater: parses the header (any flags), inflates, and checks each
    /// member's trailer (CRC-32 and length) itself. One member at a time; the caller starts
    /// the next with `nextMember()`.
    final class Inflater {
        private let state: UnsafeMutablePointer<inflate_state>

        init() {
            state = .allocate(capacity: 1)
            isal_inflate_init(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
        }

        deinit { state.deallocate() }

        /// True once the current member's trailer was read and matched.
        var memberFinished: Bool { state.pointee.block_state == ISAL_BLOCK_FINISH }

        func nextMember() {
            isal_inflate_reset(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
        }

        /// Inflates from `input` until the input is used up, the member ends, or `outputSize`
        /// bytes are produced. Returns the output and how many input bytes were consumed; the
        /// caller comes back with the rest. Throws with ISA-L's code turned into words.
        func inflate(_ input: UnsafeRawBufferPointer, outputSize: Int) throws(StreamError) -> (
            output: [UInt8], consumed: Int
        ) {
            var status: Int32 = ISAL_DECOMP_OK
            var consumed = 0
            // Inflated into uninitialized storage: the buffer is handed on as it is.
            let output = [UInt8](unsafeUninitializedCapacity: outputSize) { outBuffer, initialized in
                state.pointee.next_in = UnsafeMutablePointer(
                    mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
                state.pointee.avail_in = UInt32(input.count)
                state.pointee.next_out = outBuffer.baseAddress
                state.pointee.avail_out = UInt32(outBuffer.count)
                status = isal_inflate(state)
                consumed = input.count - Int(state.pointee.avail_in)
                initialized = outBuffer.count - Int(state.pointee.avail_out)
                state.pointee.next_in = nil
                state.pointee.next_out = nil
            }
            guard status >= ISAL_DECOMP_OK else { throw Self.damaged(status) }
            return (output, consumed)
        }

        /// zlib's words for the same faults, which users and the suite already know.
        private static func damaged(_ status: Int32) -> StreamError {
            let what: String
            switch status {
            case ISAL_INVALID_WRAPPER: what = "incorrect header check (this is not gzip data)"
            case ISAL_UNSUPPORTED_METHOD: what = "unknown compression method"
            case ISAL_INCORRECT_CHECKSUM:
                what = "incorrect data check (a member's CRC-32 or length does not match its data)"
            case ISAL_INVALID_BLOCK: what = "invalid deflate block"
            case ISAL_INVALID_SYMBOL: what = "invalid code in the deflate data"
            case ISAL_INVALID_LOOKBACK: what = "invalid distance too far back"
            default: what = "ISA-L inflate error \(status)"
            }
            return StreamError(
                stage: .gunzip, message: "the gzip data is damaged: \(what)",
                hint: "the file was changed or corrupted after it was written", damagedData: true)
        }
    }
}
