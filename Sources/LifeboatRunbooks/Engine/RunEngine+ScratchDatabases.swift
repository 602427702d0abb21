import Foundation
import LifeboatCore

extension RunEngine {
    /// A drill restores into its target, `<db>_drill_<time>`, and into any database its restore
    /// steps name: they live as long as the run. When the run ends (succeeded or failed) they are
    /// dropped unless the drill keeps them (`--keep`), whichever command ended it — `drill`, or
    /// `runbook resume` after an interruption. An interrupted run keeps them: the resume needs them.
    /// The live database is never dropped, whatever a step's outputs say.
    func finishScratchDatabases(_ state: RunState, keep: Bool) {
        guard state.drill, !keep, state.finished != nil, let target = state.target, !target.isEmpty else { return }
        let restored = state.steps.values.compactMap { $0.outputs[ActionSpec.databaseOutput] }.filter { !$0.isEmpty }
        let live = try? RestoreRunner(configuration: configuration).targetDatabase()
        let names = Set([target] + restored).filter { $0 != live }.sorted()
        let admin: DatabaseAdmin
        do {
            admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        } catch {
            note(
                "could not drop the drill's scratch databases (\(names.joined(separator: ", "))): \(error.localizedDescription) — drop them by hand"
            )
            return
        }
        defer { admin.close() }
        for name in names {
            do { try admin.drop(name) } catch {
                note("could not drop the drill's scratch database \(name): \(error.localizedDescription)")
            }
        }
    }
}
