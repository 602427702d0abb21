import Foundation
import LifeboatCore

/// Whether an interrupted `restore.database` can simply run again. A safe (or scratch) restore
/// builds its copy in a scratch database and touches the target only in the swap at its end:
/// killed before the swap, the live database is as it was and the half-built copy is only
/// dropped and built again. The step journals its plan (a checkpoint) before it starts work;
/// the resume then looks at the server: no `kept_as` database and the target as it was mean
/// the swap never began. Anything else (an in-place restore, a swap half done, no checkpoint)
/// is left to the operator. A `restore.database_prepare` step never goes further than the
/// scratch copy, and a `restore.database` swapping in a staged copy is redone only when that
/// copy is still there and the swap has not begun; the staged copy itself is never dropped here.
enum ScratchRedo {
    enum Verdict: Equatable {
        /// Safe: the scratch copy was dropped; the text says what was found and done.
        case redo(String)
        case unsafe(String)
    }

    /// Checkpoint keys, written by the action and read back here.
    enum Key {
        static let mode = "mode", target = "target", scratch = "scratch", keptAs = "kept_as",
            targetExisted = "target_existed", staged = "staged"
    }

    /// The mode a `restore.database_prepare` checkpoint names: it builds, it never swaps.
    static let prepareMode = "prepare"

    static func checkpoint(mode: String, plan: RestorePlan) -> [String: String] {
        [
            Key.mode: mode, Key.target: plan.target, Key.scratch: plan.scratch ?? "",
            Key.keptAs: mode == prepareMode ? "" : plan.keptAs ?? "",
            Key.targetExisted: String(plan.targetExists), Key.staged: plan.staged ?? ""
        ]
    }

    static func assess(_ step: Step, checkpoint: [String: String]?, configuration: LifeboatConfiguration, drill: Bool)
        -> Verdict
    {
        guard [RestoreDatabase.name, RestoreDatabasePrepare.name].contains(step.action) else {
            return .unsafe("its action may have half happened")
        }
        guard let checkpoint, let target = checkpoint[Key.target], let scratch = checkpoint[Key.scratch] else {
            return .unsafe("the journal does not say how far it got")
        }
        guard checkpoint[Key.mode] != "in-place", !scratch.isEmpty else {
            return .unsafe("an in-place restore drops \(target) before it restores")
        }
        do {
            let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
            defer { admin.close() }
            let keptAs = checkpoint[Key.keptAs] ?? ""
            if checkpoint[Key.targetExisted] == "true" {
                if !keptAs.isEmpty, try admin.exists(keptAs) {
                    // Both names taken: the swap's two renames are done; only its journal entry is missing.
                    if try admin.exists(target) {
                        return .unsafe(
                            "the swap finished: \(target) is the restored copy and \(keptAs) the previous one (--skip-step goes on from there)"
                        )
                    }
                    return .unsafe("\(keptAs) exists, so the swap began: \(target) may be the restored copy or missing")
                }
                guard try admin.exists(target) else {
                    return .unsafe("\(target) is missing although it existed when the restore began")
                }
            } else if try admin.exists(target) {
                return .unsafe(
                    "\(target) exists now although it did not when the restore began: the copy may have been renamed into place"
                )
            }
            let live = drill ? "" : "; the live database \(target) is untouched"
            // The swap has not begun (checked above): the prepared copy is swapped in again as it is.
            if let staged = checkpoint[Key.staged], !staged.isEmpty, try admin.exists(staged) {
                return .redo("interrupted before its swap: \(staged) is still there, swapping it in\(live)")
            }
            let found = try admin.exists(scratch)
            if found { try admin.drop(scratch) }
            return .redo(
                "interrupted while building its scratch copy\(found ? ": \(scratch) dropped" : ""), restoring again\(live)"
            )
        } catch {
            return .unsafe("its databases could not be checked: \(error)")
        }
    }
}
