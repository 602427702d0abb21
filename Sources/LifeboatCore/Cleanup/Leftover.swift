import Foundation

/// Something Lifeboat made for a piece of work that ended without cleaning up after itself (a
/// kill -9, a power cut, a lost session): a scratch database, the partial file of a backup, a
/// PITR drill's scratch cluster. `lifeboat cleanup` removes the ones no live work holds.
public struct Leftover: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable {
        case database
        case partialFile = "partial_file"
        case scratchCluster = "scratch_cluster"
    }

    public let kind: Kind
    /// The database's name, or the file's or folder's path.
    public let name: String
    /// The work that made it: verify, restore, table restore, drill, runbook scratch, backup, pitr drill.
    public let madeBy: String
    /// Since it was made (the stamp in its name, else the file's time); absent when unknown.
    public let ageSeconds: Int?
    public let sizeBytes: Int64?
    /// The live run, restore or process that still owns it: then it is not a leftover yet and
    /// is left alone. Nil for a true leftover.
    public var heldBy: String?

    public init(kind: Kind, name: String, madeBy: String, ageSeconds: Int?, sizeBytes: Int64?, heldBy: String? = nil) {
        self.kind = kind
        self.name = name
        self.madeBy = madeBy
        self.ageSeconds = ageSeconds
        self.sizeBytes = sizeBytes
        self.heldBy = heldBy
    }

    /// `database lifeboat_verify_x (verify, 3h 12m old, 8.1 MB)`, for text output.
    public var line: String {
        let what =
            switch kind {
            case .database: "database"
            case .partialFile: "partial file"
            case .scratchCluster: "scratch cluster"
            }
        let age = ageSeconds.map { SystemStatusProbe.age($0) + " old" } ?? "age unknown"
        let size = sizeBytes.map { ByteSize.decimal($0) } ?? "size unknown"
        return "\(what) \(name) (\(madeBy), \(age), \(size))" + (heldBy.map { "; held by \($0)" } ?? "")
    }
}
