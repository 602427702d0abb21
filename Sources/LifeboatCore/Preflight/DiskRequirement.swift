import Foundation

/// How much room a restore needs and whether a disk has it: plain arithmetic, unit tested.
/// A restored database takes more than its dump: indexes are rebuilt, and the single
/// transaction writes WAL as it goes, so the dump's size is multiplied by a margin
/// (LIFEBOAT_PREFLIGHT_DISK_MARGIN, 2 by default).
public struct DiskRequirement: Sendable, Equatable {
    public let neededBytes: Int64
    /// How the figure came about, for the check's line ("dump 3.4 MB × 2").
    public let basis: String

    public static let defaultMargin = 2.0

    /// Room on the server for a restore of a dump of `dumpBytes`. `freedFirst`: bytes released
    /// before the restore writes (an in-place restore drops the live database first).
    public static func server(dumpBytes: Int64, margin: Double, freedFirst: Int64 = 0) -> DiskRequirement {
        let scaled = scaled(dumpBytes, margin)
        let needed = max(0, scaled - max(0, freedFirst))
        var basis = "the dump's \(ByteSize.decimal(dumpBytes)) × \(format(margin)) for indexes and WAL"
        if freedFirst > 0 { basis += ", less the \(ByteSize.decimal(freedFirst)) the dropped database frees" }
        return DiskRequirement(neededBytes: needed, basis: basis)
    }

    /// `bytes × margin`, saturating rather than overflowing.
    static func scaled(_ bytes: Int64, _ margin: Double) -> Int64 {
        let product = Double(max(0, bytes)) * max(0, margin)
        return product >= Double(Int64.max) ? .max : Int64(product.rounded(.up))
    }

    /// fail when it does not fit; warn when it fits but would leave less than `reserve`
    /// (BACKUP_DISK_MIN_FREE_GB, the low-disk threshold); ok otherwise.
    public static func verdict(free: Int64, needed: Int64, reserve: Int64) -> PreflightCheck.Status {
        if free < needed { return .fail }
        if free - needed < reserve { return .warn }
        return .ok
    }

    static func format(_ margin: Double) -> String {
        margin == margin.rounded() ? String(Int(margin)) : String(format: "%g", margin)
    }
}
