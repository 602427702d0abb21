/// The formats `lifeboat report` writes.
public enum ReportFormat: String, CaseIterable, Sendable {
    case markdown = "md"
    case html
    case json
}
