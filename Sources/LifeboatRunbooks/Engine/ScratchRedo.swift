import Foundation
import LifeboatCore

/// Whether an interrupted `restore.database` can simply run again. A safe (or scratch) restore
/// builds its copy in a scratch database and touches the target only in the swap at its end:
/// killed before the swap, the live database is as it was and the half-built copy is only
/// dropped and built again. The step journals its plan (a checkpoint) before it starts work;
/// the resume then looks at the server: no `kept_as` database and the target as it was mean
/// the swap never began. Anything else (an in-place restore, a swap half done, no checkpoint)
/// is left to the operator.
enum ScratchRedo {
    enum Verdict: Equatable {
        /// Safe: the scratch copy was dropped; the text says what was found and done.
        case redo(String)
        case unsafe(String)
    }

    /// Checkpoint keys, written by the action and read back here.
    enum Key {
        static let mode = "mode", target = "target", scratch = "scratch", keptAs = "kept_as", targetExisted = "target_existed"
    }

    static func checkpoint(mode: String, plan: RestorePlan) -> [String: String] {
        [Key.mode: mode, Key.target: plan.target, Key.scratch: plan.scratch ?? "", Key.keptAs: plan.keptAs ?? "",
         Key.targetExisted: String(plan.targetExists)]
    }

    static func assess(_ step: Step, checkpoint: [String: String]?, configuration: LifeboatConfiguration, drill: Bool) -> Verdict {
        guard step.action == RestoreDatabase.spec.name else { return .unsafe("its action may have half happened") }
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
                    return .unsafe("\(keptAs) exists, so the swap began: \(target) may be the restored copy or missing")
                }
                guard try admin.exists(target) else { return .unsafe("\(target) is missing although it existed when the restore began") }
            } else if try admin.exists(target) {
                return .unsafe("\(target) exists now although it did not when the restore began: the copy may have been renamed into place")
            }
            let found = try admin.exists(scratch)
            if found { try admin.drop(scratch) }
            let live = drill ? "" : "; the live database \(target) is untouched"
            return .redo("interrupted while building its scratch copy\(found ? ": \(scratch) dropped" : ""), restoring again\(live)")
        } catch {
            return .unsafe("its databases could not be checked: \(error)")
        }
    }
}
