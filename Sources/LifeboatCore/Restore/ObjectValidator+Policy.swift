import Foundation
import LifeboatPostgres

extension ObjectValidator {
    /// What a restore does about a database property that differs from the backup's.
    public enum PropertyPolicy: Sendable {
        /// Fail: verify's scratch database, a new database (nothing live has changed yet).
        case enforce
        /// Say it and go on: a safe restore over a live database gives the restored copy the
        /// live one's properties afterwards by design (`carryProperties`); an in-place restore
        /// has already dropped the live database, and another backup would not fix a property.
        case report
    }

    /// Throws on the first kind of difference: large objects, sequences and materialized views
    /// that differ mean the backup does not hold what its manifest recorded (a bad backup);
    /// properties that differ mean the server did not apply them (the target's problem).
    /// Returns what was checked, for the responder's note.
    public static func enforce(
        _ manifest: BackupManifest, in connection: Connection, properties policy: PropertyPolicy,
        note: (String) -> Void
    ) throws -> String {
        let mismatches = try compare(manifest, in: connection)
        let objects = mismatches.filter { $0.kind != .databaseProperty }
        let properties = mismatches.filter { $0.kind == .databaseProperty }
        guard objects.isEmpty else {
            throw LifeboatError(
                stage: "validate",
                message: "large objects, sequences or materialized views differ from the manifest "
                    + "(\(objects.count)): \(objects.prefix(5).map(\.description).joined(separator: "; "))",
                hint: "the backup does not hold what its manifest recorded: use another backup", category: .badBackup)
        }
        if !properties.isEmpty {
            switch policy {
            case .report:
                for mismatch in properties { note("warning: \(mismatch)") }
            case .enforce:
                throw LifeboatError(
                    stage: "validate",
                    message: "the restored database's own properties differ from the backup's: "
                        + properties.prefix(5).map(\.description).joined(separator: "; ")
                        + "; the backup itself is not at fault",
                    hint:
                        "the server did not apply them: the restoring user may not be allowed to (look for 'lifeboat: not applied' "
                        + "warnings); restore as the database's owner or a superuser, or set them by hand")
            }
        }
        return summary(manifest)
    }

    /// "2 large objects, 5 sequences, 1 materialized view and the database's properties", or nil
    /// when the manifest recorded none of them.
    public static func summary(_ manifest: BackupManifest) -> String {
        var parts: [String] = []
        if let objects = manifest.largeObjects {
            parts.append("\(objects.count) large object\(objects.count == 1 ? "" : "s")")
        }
        if let sequences = manifest.sequences {
            parts.append("\(sequences.count) sequence\(sequences.count == 1 ? "" : "s")")
        }
        if let views = manifest.materializedViews {
            parts.append("\(views.count) materialized view\(views.count == 1 ? "" : "s")")
        }
        if manifest.databaseProperties != nil { parts.append("the database's properties") }
        guard let last = parts.popLast() else { return "" }
        return parts.isEmpty ? last : parts.joined(separator: ", ") + " and " + last
    }
}
