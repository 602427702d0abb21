import Foundation

extension PhysicalRestoreAction {
    /// A finished `physical.restore` step's outputs, read in one place for everyone who reports
    /// on it: the drill's measures (RPO from the last replayed transaction), the run report's
    /// Recovery section and `lifeboat drill`'s scratch-cluster lines. An empty output counts as
    /// absent (a server that replayed nothing has no recovery time to give).
    public struct Outcome: Sendable, Equatable {
        public let step: String
        /// pgBackRest unless the step said otherwise.
        public let engine: String
        public let backupSet: String?
        /// What was asked for: a time (ISO-8601) or "latest".
        public let target: String?
        public let walStart: String?
        public let walStop: String?
        /// The commit time of the last transaction replayed, as the step wrote it.
        public let recoveredTo: String?
        public let recoverySeconds: Double?
        /// Drills only (`PhysicalRestoreDrill`): the first transaction left out, how far before
        /// the target the recovery stopped, and the scratch cluster the validation steps reached.
        public let stoppedBefore: String?
        public let recoveryPointGapSeconds: Double?
        public let scratchFolder: String?
        public let scratchPort: Int?
        /// The drill was run with --keep: the cluster's folder stays.
        public let kept: Bool

        public init(step: String, outputs: [String: String]) {
            func value(_ key: String) -> String? { outputs[key].flatMap { $0.isEmpty ? nil : $0 } }
            self.step = step
            engine = value(Output.engine) ?? "pgbackrest"
            backupSet = value(Output.backupSet)
            target = value(Output.target)
            walStart = value(Output.walStart)
            walStop = value(Output.walStop)
            recoveredTo = value(Output.recoveredTo)
            recoverySeconds = value(Output.recoverySeconds).flatMap(Double.init)
            stoppedBefore = value(Output.stoppedBefore)
            recoveryPointGapSeconds = value(Output.recoveryPointGapSeconds).flatMap(Double.init)
            scratchFolder = value(Output.scratchDir)
            scratchPort = value(Output.scratchPort).flatMap(Int.init)
            kept = outputs[Output.kept] == "true"
        }

        /// The run's first `physical.restore` step that succeeded.
        public init?(succeededIn state: RunState, action: (String) -> String?) {
            guard
                let id = state.order.first(where: {
                    action($0) == PhysicalRestoreAction.name && state.steps[$0]?.status == .succeeded
                }),
                let outputs = state.steps[id]?.outputs
            else { return nil }
            self.init(step: id, outputs: outputs)
        }

        /// A drill's scratch cluster: the run's first `physical.restore` step that made one,
        /// whether or not it then succeeded (its folder is still to be reported).
        public init?(scratchClusterIn state: RunState) {
            guard
                let id = state.order.first(where: {
                    state.steps[$0]?.action == PhysicalRestoreAction.name
                        && state.steps[$0]?.outputs[Output.scratchDir] != nil
                }),
                let outputs = state.steps[id]?.outputs
            else { return nil }
            self.init(step: id, outputs: outputs)
        }
    }
}
