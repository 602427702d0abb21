/// Which compressor writes a gzip member at a given `BACKUP_COMPRESSION_LEVEL`.
///
/// The level keeps zlib's meaning (1 fastest … 9 smallest) and each band is served by the
/// fastest engine whose files are, on every data set we measured, no larger than zlib's at
/// that level. Measured on 512 KiB members (one run, CPU time, this 2-core machine) over
/// Pagila's data, a pgbench-style accounts dump and text-heavy md5()/random() rows:
///
/// | level | engine | why |
/// |---|---|---|
/// | 1 | ISA-L level 1 | 7–20× zlib -1's speed, and smaller than zlib -1 on all three |
/// | 2–3 | libdeflate 1 | ISA-L is level with zlib -2 and 3 % larger than zlib -3 on Pagila; libdeflate 1 is smaller than both everywhere |
/// | 4–7 | libdeflate 7 | libdeflate 2–6 are up to 2 % larger than zlib -6 on pgbench's blank-padded rows; 7 is 25 % smaller there, 10 % smaller on text, at about zlib -6's speed or better |
/// | 8–9 | libdeflate 8 | smaller than zlib -9 everywhere (libdeflate 9 gives the same size, slower) |
///
/// Every member is standard gzip that `gunzip` reads; the level changes only size and speed.
///
/// The default level is 1 (`ConfigurationKey.compressionLevel`): with ISA-L a backup costs
/// under half the CPU of `pg_dump | gzip -6` for a file within 1–3 % of gzip -6's (often
/// smaller), and keeps up with a bare `pg_dump > file` on pgbench-like data; the backup runs on
/// the database's host, where that CPU is the application's. Level 6 (libdeflate 7) makes files
/// 6–27 % smaller for about zlib -6's CPU (`make bench`, docs/performance.md).
public enum GzipMemberEngine: Equatable, Sendable {
    case isal(level: Int32)
    case libdeflate(level: Int32)

    public init(compressionLevel: Int32) {
        switch compressionLevel {
        case ...1: self = .isal(level: 1)
        case 2...3: self = .libdeflate(level: 1)
        case 4...7: self = .libdeflate(level: 7)
        default: self = .libdeflate(level: 8)
        }
    }

    /// One block as one complete gzip member.
    func compress(_ block: [UInt8]) throws(StreamError) -> [UInt8] {
        switch self {
        case .isal: return try ISAL.gzipLevel1(block)
        case .libdeflate(let level): return try LibDeflate.gzip(block, level: level)
        }
    }
}
