import Foundation
import LifeboatCore

/// The physical engine's lines of `lifeboat status`: newest backup, the point-in-time window,
/// the WAL archive's freshness, and each scheduled physical kind.
extension StatusText {
    static func physical(_ physical: PhysicalStatus, now: Date, time: (Date?) -> String) -> [String] {
        var lines = ["physical   pgBackRest stanza \(physical.stanza)"]
        if !physical.reachable {
            lines.append("  ERROR: cannot read the stanza: \(physical.error ?? "?")")
            if let hint = physical.hint { lines.append("    → \(hint)") }
        } else if let newest = physical.newest {
            var line =
                "  newest backup \(newest.label) (\(newest.kind.rawValue)), finished \(time(newest.finishedAt)), "
                + "\(Terminal.age(since: newest.finishedAt, now: now)) ago; \(physical.backupCount ?? 0) in the repository"
            if let full = physical.newestFull, full.label != newest.label { line += "; newest full \(full.label)" }
            lines.append(line)
        } else {
            lines.append("  no backup yet: lifeboat backup --engine physical --kind full")
        }
        if let window = physical.walWindow, let from = window.from {
            lines.append(
                "  point-in-time window \(time(from)) → \(window.to.map { time($0) } ?? "last archived WAL (time unknown)")"
            )
        }
        if let archive = physical.archive {
            // The message names the archive itself ("WAL archive is fresh: …", "archive_command is failing: …").
            lines.append("  " + (archive.state == "ok" ? "" : "\(archive.state.uppercased()): ") + archive.message)
            if let hint = archive.hint, archive.state != "ok" { lines.append("    → \(hint)") }
        } else {
            lines.append("  WAL archive: unknown (the database could not be asked)")
        }
        for kind in physical.kinds {
            let state: String
            if kind.stale {
                state = kind.newest == nil ? "STALE: none yet" : "STALE since \(time(kind.staleAfter))"
            } else {
                state = "ok until \(time(kind.staleAfter))"
            }
            lines.append("  \(kind.job) (\(kind.schedule)): newest \(kind.newest ?? "none"), \(state)")
        }
        return lines
    }
}
