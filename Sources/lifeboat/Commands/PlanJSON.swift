import Foundation
import LifeboatCore
import LifeboatRunbooks

/// `runbook plan --json`: the plan's content as data (what the text plan shows, line for line),
/// so automation reads the steps, the choices made now and the preflight without parsing prose.
struct PlanJSON: Encodable {
    struct Step: Encodable {
        let id: String
        let action: String
        let summary: String
        let changesLiveSystems: Bool
        /// Why a run would skip it (a choice known now), else nil.
        let skipped: String?
        let parameters: [String: String]
        /// The commands a services.* step runs with the configured provider.
        let runs: [String]?
        let needs: [String]
        let when: String?
        let approval: String?
    }

    let runbook: String
    let file: String
    let target: String
    let services: String?
    let inputs: [String: String]
    /// Decisions known at plan time (the backup a selection would take, and why).
    let choices: [String]
    let steps: [Step]
    let preflight: [PreflightCheck]
    /// Failed checks a run would stop at (target.lock cannot be overridden; the rest with --ignore-preflight).
    let wouldStopAt: [String]

    init(
        _ plan: Planner.Plan, target: String, services: String?, serviceCommands: [String: [String]],
        preflight: PreflightReport, choices: PlanTimeChoices
    ) {
        runbook = plan.runbook.name
        file = plan.runbook.file
        self.target = target
        self.services = services
        inputs = Dictionary(plan.inputs, uniquingKeysWith: { first, _ in first })
        self.choices = choices.lines
        steps = plan.steps.map { planned in
            let action = planned.step.action
            return Step(
                id: planned.step.id, action: action, summary: planned.spec.summary,
                changesLiveSystems: planned.spec.changesLiveSystems, skipped: choices.skipped[planned.step.id],
                parameters: Dictionary(planned.parameters, uniquingKeysWith: { first, _ in first }),
                runs: ServiceStep.verb(of: action).map { serviceCommands[$0] ?? [] },
                needs: planned.needs, when: planned.step.when, approval: planned.approval)
        }
        self.preflight = preflight.checks
        wouldStopAt = preflight.failed.map(\.name)
    }
}
