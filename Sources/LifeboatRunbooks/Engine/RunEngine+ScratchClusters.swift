import Foundation
import LifeboatCore

extension RunEngine {
    /// A PITR drill's scratch cluster lives as long as the run: its validation steps connect to
    /// it after `physical.restore` returned. When the run ends, however it ends, each one is
    /// stopped, and its folder removed unless the drill keeps it (`--keep`).
    func finishScratchClusters(_ runbook: Runbook, _ state: RunState, keep: Bool) {
        guard state.drill, let settings = try? PhysicalEngineSettings.configured(configuration) else { return }
        for step in runbook.steps where step.action == "physical.restore" {
            guard let folder = state.steps[step.id]?.outputs["scratch_dir"], !folder.isEmpty,
                  FileManager.default.fileExists(atPath: folder) else { continue }
            if ScratchRecovery.finish(folder: folder, keep: keep, settings: settings) {
                note(keep ? "scratch cluster stopped and kept in \(folder)" : "scratch cluster stopped and removed (\(folder))")
            } else {
                note("could not stop the scratch cluster in \(folder): stop it with pg_ctl -D \(folder)/pgdata stop -m fast, then remove the folder")
            }
        }
    }

    /// The scratch cluster a drill's finished `physical.restore` left running, if any.
    func scratchURL(_ runbook: Runbook, _ state: RunState) -> String? {
        runbook.steps.lazy.filter { $0.action == "physical.restore" && state.steps[$0.id]?.status == .succeeded }
            .compactMap { state.steps[$0.id]?.outputs["scratch_url"] }.first { !$0.isEmpty }
    }

    /// A drill's restore whose scratch cluster is gone (the run ended and removed it) is done
    /// again on resume, so the steps after it have something to validate.
    func scratchClusterGone(_ step: Step?, _ outputs: [String: String]?) -> Bool {
        guard step?.action == "physical.restore", let folder = outputs?["scratch_dir"], !folder.isEmpty else { return false }
        return !FileManager.default.fileExists(atPath: folder + "/pgdata/postmaster.pid")
    }
}
