import CDeflate

/// libdeflate's whole-buffer gzip: one call turns a block into one complete gzip member.
/// It fits ParallelGzipCompressor's fixed-size members exactly (no streaming state to carry
/// between calls), and measured here it compresses 2–3× faster than zlib for a smaller file.
/// The only libdeflate calls in Lifeboat live here.
enum LibDeflate {
    /// One block as one gzip member, at libdeflate's own level (1...12).
    static func gzip(_ input: [UInt8], level: Int32) throws(StreamError) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw StreamError(stage: .gzip, message: "libdeflate could not start at level \(level) (out of memory?)")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, input.count)
        // Compressed straight into uninitialized storage: zero-filling each block shows in perf.
        let output = [UInt8](unsafeUninitializedCapacity: bound) { outBuffer, initialized in
            initialized = input.withUnsafeBytes { inBuffer in
                libdeflate_gzip_compress(
                    compressor, inBuffer.baseAddress, inBuffer.count, outBuffer.baseAddress, outBuffer.count)
            }
        }
        // 0 means "did not fit", which the bound rules out; kept as an error, never as a short file.
        guard !output.isEmpty else {
            throw StreamError(stage: .gzip, message: "libdeflate could not compress a \(input.count)-byte block")
        }
        // A right-sized copy: the worst-case buffer would otherwise stay allocated while the
        // member waits its turn.
        return Array(output[...])
    }
}
