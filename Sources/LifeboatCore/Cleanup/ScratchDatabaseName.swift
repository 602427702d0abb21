import Foundation

/// What a database name says about the Lifeboat work that made it, for finding leftovers:
/// which kind of work, when (the stamp in the name), and what a live owner would hold.
/// Names of databases Lifeboat keeps on purpose (`<db>_before_*`, `<db>_rolledback_*`: the
/// live database as it was before a restore) are not scratch, and are never offered.
public struct ScratchDatabaseName: Sendable, Equatable {
    /// Who would own the database while its work is alive.
    public enum Owner: Sendable, Equatable {
        /// `lifeboat verify` (and the verification job): the process whose pid ends the name.
        case process(Int32)
        /// A restore or drill of this target database: the run or restore holding its lock.
        case target(String)
        /// A runbook's own scratch database (`pitr_${run.id}`, `drill_${run.id}`): that run.
        case run(String)
        /// Nothing in the name says (a name of the pattern without Lifeboat's stamp).
        case unknown
    }

    public let name: String
    /// verify, restore, table restore, drill, runbook scratch.
    public let madeBy: String
    public let owner: Owner
    /// The time in the name, when it has one.
    public let made: Date?

    /// `20250118t030000z`, as `DatabaseNames.stamp` writes it.
    static let stamp = #"[0-9]{8}t[0-9]{6}z"#

    /// Nil for a name Lifeboat does not make for `target` (the configured database): only its
    /// own `_restore_`, `_tables_` and `_drill_` databases count (and those of its scratch
    /// databases: a drill's restore), so another database's, which another configuration of
    /// Lifeboat may be restoring right now, or an operator's `sales_restore_q3`, is never offered.
    public init?(_ name: String, target: String?) {
        guard let found = Self.classify(name, target: target) else { return nil }
        self.name = name
        madeBy = found.madeBy
        owner = found.owner
        made = found.made
    }

    static func classify(_ name: String, target: String?) -> (madeBy: String, owner: Owner, made: Date?)? {
        if let verify = match(name, #"^lifeboat_verify_(?:(\#(stamp))_([0-9]+)|.+)$"#) {
            return ("verify", verify[2].flatMap { Int32($0) }.map(Owner.process) ?? .unknown, verify[1].flatMap(date))
        }
        if let run = match(name, #"^(?:pitr|drill)_((\#(stamp))[-_][0-9a-f]{1,4})$"#) {
            return ("runbook scratch", run[1].map(Owner.run) ?? .unknown, run[2].flatMap(date))
        }
        for (role, label) in [("restore", "restore"), ("tables", "table restore"), ("drill", "drill")] {
            guard let base = ownBase(name, role: role, target: target) else { continue }
            let stamped = match(name, #"^.+_\#(role)_(\#(stamp))$"#)
            // A drill's target is its scratch database itself: the drill run locks that name.
            return (label, .target(role == "drill" ? name : base), stamped?[1].flatMap(date))
        }
        return nil
    }

    /// The part before `_<role>_` when it is the configured target (or the shortened form
    /// `DatabaseNames.derived` gives a long one), or one of Lifeboat's scratch names for it.
    static func ownBase(_ name: String, role: String, target: String?) -> String? {
        guard let range = name.range(of: "_\(role)_", options: .backwards), range.upperBound < name.endIndex else {
            return nil
        }
        let base = String(name[..<range.lowerBound])
        if let own = ownPrefix(name, role: role, target: target), own == base { return base }
        return classify(base, target: target) == nil ? nil : base
    }

    /// The configured target (or the shortened form `DatabaseNames.derived` gives a long
    /// one) when `name` is `<it>_<role>_<anything>`.
    static func ownPrefix(_ name: String, role: String, target: String?) -> String? {
        guard let target, !target.isEmpty, let range = name.range(of: "_\(role)_", options: .backwards),
            range.upperBound < name.endIndex
        else { return nil }
        let base = String(name[..<range.lowerBound])
        return !base.isEmpty && target.hasPrefix(base) && (base == target || name.utf8.count == 63) ? base : nil
    }

    static func match(_ text: String, _ pattern: String) -> [String?]? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let result = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (0..<result.numberOfRanges).map { Range(result.range(at: $0), in: text).map { String(text[$0]) } }
    }

    static func date(_ stamp: String) -> Date? { BackupName.parse(stamp.uppercased()) }
}
