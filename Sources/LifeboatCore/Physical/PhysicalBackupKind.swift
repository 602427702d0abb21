/// pgBackRest's backup types: a full copy, the changes since the last full (`diff`), or the
/// changes since the last backup of any type (`incr`).
public enum PhysicalBackupKind: String, Sendable, Codable, CaseIterable, Comparable {
    case full, diff, incr

    /// A kind and every larger one: a full backup also satisfies a diff or incr slot.
    public var satisfiedBy: Set<PhysicalBackupKind> {
        Set(Self.allCases.filter { $0 <= self })
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
