import LifeboatCore

/// One problem in a runbook, pointing at file, line and column (and the step, when in one).
public struct RunbookIssue: Sendable, Hashable, CustomStringConvertible, Error {
    public let location: SourceLocation
    public let stepID: String?
    public let message: String

    public init(_ location: SourceLocation, step: String? = nil, _ message: String) {
        self.location = location
        self.stepID = step
        self.message = message
    }

    public var description: String {
        "\(location): " + (stepID.map { "step '\($0)': " } ?? "") + message
    }
}

/// All the problems of one or more files, reported together.
public struct RunbookInvalid: ExitStatusError, CustomStringConvertible, Sendable {
    /// Nothing was attempted: the file is the mistake.
    public var exitStatus: ExitStatus { .configuration }
    public let issues: [RunbookIssue]
    public init(issues: [RunbookIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
