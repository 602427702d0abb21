/// One colour per step status, shared by the chart, its legend and the tables, chosen to stay
/// distinct in print and for the common colour-vision deficiencies (hue and lightness differ).
enum StatusColour {
    static func hex(_ status: ReportStep.Status) -> String {
        switch status {
        case .succeeded: return "#2e7d32"
        case .failed: return "#c62828"
        case .interrupted: return "#ef6c00"
        case .aborted: return "#6a1b9a"
        case .skipped: return "#9e9e9e"
        case .recorded: return "#1565c0"
        case .declined: return "#ad1457"
        case .awaitingApproval, .notStarted: return "#bdbdbd"
        }
    }

    /// The approval wait drawn before a step's bar: grey hatching, unlike any status.
    static let approvalWait = "#757575"
}
