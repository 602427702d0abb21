import LifeboatRunbooks

/// A check a run made of its backup or of the restored data (`backup.verify`, the validated copy
/// of `restore.database_prepare`, `validate.row_counts`, `sql.check`): the evidence that the
/// recovery worked.
public struct ReportValidation: Codable, Sendable, Equatable {
    /// The actions whose steps are validations.
    public static let actions = [BackupVerify.name, RestoreDatabasePrepare.name, ValidateRowCounts.name, SQLCheck.name]

    public var step: String
    public var action: String
    /// What the action checks, in words.
    public var checks: String
    public var status: ReportStep.Status
    /// What it found: tables and rows compared, the query's value.
    public var outputs: [String: String]
    /// Why it failed, when it did.
    public var message: String?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(action, forKey: .action)
        try container.encode(checks, forKey: .checks)
        try container.encode(status, forKey: .status)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(message, forKey: .message)
    }
}
