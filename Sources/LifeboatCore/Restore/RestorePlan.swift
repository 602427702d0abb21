import Foundation

/// What a restore will do, decided before anything changes, so it can be shown and confirmed.
public struct RestorePlan: Sendable, Codable {
    public enum Mode: String, Sendable, Codable {
        /// Restore into a new database, validate, then swap names (the live one is kept as `_before_`).
        case safe
        /// Drop and recreate the live database, for when there is no room for two copies.
        case inPlace = "in-place"
        /// Restore into a scratch database and copy only the named tables back.
        case tables
    }

    public let mode: Mode
    public let backup: String
    public let target: String
    /// The database restored into first (safe and table modes).
    public let scratch: String?
    /// The name the live database keeps after a safe swap.
    public let keptAs: String?
    public let tables: [String]
    public let targetExists: Bool
    public let hasManifest: Bool
    /// "compose", "systemd", "command" or nil.
    public let servicesProvider: String?
    public let serviceCommands: [String]
    /// Table mode: the backup's large objects come back too (`--large-objects`).
    public var largeObjects = false
    /// Table mode: a scratch database an earlier rehearsal restored and validated from this
    /// backup (`RestoreRunner.rehearse`): copied from instead of restoring a second time.
    /// Safe mode: the copy `RestoreRunner.prepare` built and validated: swapped in as it is.
    public var staged: String?
    /// What the signature check found (`BackupTrust.Verdict.summary`); nil in plans of older runs.
    public var signature: String?

    /// The lines a responder reads before typing the database name.
    public var summary: [String] {
        var lines = [
            "backup:   \(backup)", "target:   database \(target)\(targetExists ? "" : " (does not exist yet)")"
        ]
        switch mode {
        case .safe:
            lines.append(
                staged.map { "mode:     safe — swap in \($0), already restored and validated from this backup" }
                    ?? "mode:     safe — restore into \(scratch ?? "?"), validate row counts, then swap names")
            if targetExists {
                lines.append(
                    "          the current \(target) is kept as \(keptAs ?? "?") (undo with `lifeboat restore --rollback`)"
                )
            }
        case .inPlace:
            lines.append("mode:     IN-PLACE — \(target) is DROPPED and recreated; there is no copy to roll back to")
        case .tables:
            let what =
                (tables.isEmpty ? [] : ["tables " + tables.joined(separator: ", ")])
                + (largeObjects ? ["the large objects"] : [])
            lines.append(
                "mode:     \(what.joined(separator: " and ")) — restored into \(staged ?? scratch ?? "?") and copied back in one transaction; "
                    + "other tables are untouched")
        }
        if !hasManifest { lines.append("warning:  no manifest: row counts cannot be validated") }
        if let signature { lines.append("signature: \(signature)") }
        if mode != .tables {
            lines.append(
                targetExists
                    ? "sessions: every session on \(target) is terminated and new ones blocked during the switch"
                    : "sessions: none (new database)")
        }
        if let servicesProvider {
            lines.append("services: \(servicesProvider)")
            lines += serviceCommands.map { "          \($0)" }
        } else {
            lines.append("services: no provider configured (LIFEBOAT_SERVICES_PROVIDER): none stopped or started")
        }
        return lines
    }
}
