import Foundation
import LifeboatCore

extension RunEngine {
    /// A PITR drill's scratch cluster lives as long as the run: its validation steps connect to
    /// it after `physical.restore` returned. When the run ends, however it ends, each one is
    /// stopped, and its folder removed unless the drill keeps it (`--keep`).
    func finishScratchClusters(_ runbook: Runbook, _ state: RunState, keep: Bool) {
        guard state.drill, let settings = try? PhysicalEngineSettings.configured(configuration) else { return }
        for (step, output) in Self.scratchClusterSteps(runbook) {
            guard let folder = state.steps[step.id]?.outputs[output], !folder.isEmpty,
                FileManager.default.fileExists(atPath: folder)
            else { continue }
            if ScratchRecovery.finish(folder: folder, keep: keep, settings: settings) {
                note(
                    keep
                        ? "scratch cluster stopped and kept in \(folder)"
                        : "scratch cluster stopped and removed (\(folder))")
            } else {
                note(
                    "could not stop the scratch cluster in \(folder): stop it with pg_ctl -D \(folder)/pgdata stop -m fast, then remove the folder"
                )
            }
        }
    }

    /// The scratch cluster a drill's finished restore left running, if any.
    func scratchURL(_ runbook: Runbook, _ state: RunState) -> String? {
        Self.scratchClusterSteps(runbook).lazy.map(\.step).filter { state.steps[$0.id]?.status == .succeeded }
            .compactMap { state.steps[$0.id]?.outputs[PhysicalRestoreAction.Output.scratchURL] }.first { !$0.isEmpty }
    }

    /// The steps whose action leaves a scratch cluster in a drill, with the output naming its folder.
    static func scratchClusterSteps(_ runbook: Runbook) -> [(step: Step, output: String)] {
        runbook.steps.flatMap { step in
            (ActionCatalog.spec(step.action)?.resumeNeeds ?? []).compactMap { need -> (step: Step, output: String)? in
                if case .runningScratchCluster(let output) = need { return (step, output) }
                return nil
            }
        }
    }

    /// The scheduler's question (`StepScheduler.needMet`), answered from the file system: a
    /// decrypted copy in this run's folder still there, a drill's scratch cluster still running
    /// (its postmaster.pid). A path outside the run folder (a backup that needed no decrypting)
    /// is not the run's to make again.
    func resumeNeedMet(_ need: ActionSpec.ResumeNeed, _ outputs: [String: String], runID: String) -> Bool {
        switch need {
        case .transientRunFile(let output):
            guard let path = outputs[output], path.hasPrefix(runDirectory(runID).path) else { return true }
            return FileManager.default.fileExists(atPath: path)
        case .runningScratchCluster(let output):
            guard let folder = outputs[output], !folder.isEmpty else { return true }
            return FileManager.default.fileExists(atPath: folder + "/pgdata/postmaster.pid")
        }
    }
}
