import Foundation
import LifeboatCore
import LifeboatPostgres

/// `sql.check`: one value from a query, compared with an expectation such as `> 0`, `= 42`,
/// `!= 0` or `>= 10` (numbers compare as numbers, anything else as text). A check only looks:
/// its one statement runs in a read-only transaction that is rolled back.
public enum SQLCheck: RunbookAction {
    public static let name = "sql.check"

    public enum Output {
        /// The query's one value.
        public static let value = "value"
    }

    static let spec = ActionSpec(
        name: name, summary: "run a query and compare its result with an expectation",
        parameters: [
            .required("query", .string, "SQL returning one value"),
            .required("expect", .string, "expectation: '> 0', '= 42', '!= 0', '>= 10'"),
            .optional("database", .string, "database (default: the target, or the url's)"),
            .optional(
                "url", .string,
                "another server, e.g. a PITR drill's ${steps.ID.outputs.scratch_url} (DATABASE_URL's password is sent only to its own server and the run's scratch cluster)"
            )
        ],
        outputs: [Output.value], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let connection: Connection
        if let url = parameters.string("url").flatMap({ $0.isEmpty ? nil : $0 }) ?? context.scratchURL {
            let database = parameters.string("database").flatMap { $0.isEmpty ? nil : $0 }
            connection = try Connection(
                try ScratchConnection.conninfo(
                    url, configured: context.configuration.databaseURL, database: database,
                    trusting: [context.scratchURL].compactMap { $0 }),
                database: nil)
        } else {
            connection = try Connection(
                context.configuration.databaseURL ?? "", database: parameters.string("database") ?? context.target)
        }
        defer { connection.close() }
        let value = try readOnly(connection, try parameters.required("query"))
        let expectation = try parameters.required("expect")
        guard try holds(value, expectation) else {
            throw RunbookRunError(
                "the check failed: the query gave \(value.isEmpty ? "nothing" : value), expected \(expectation)")
        }
        return [Output.value: value]
    }

    /// The query's one value, read in a READ ONLY transaction that is always rolled back; the
    /// query must be a single statement, so it cannot COMMIT its way out.
    static func readOnly(_ connection: Connection, _ query: String) throws -> String {
        try connection.query("BEGIN TRANSACTION READ ONLY")
        defer { _ = try? connection.query("ROLLBACK") }
        return try connection.query(query, singleStatement: true).scalar ?? ""
    }

    static func holds(_ value: String, _ expectation: String) throws -> Bool {
        let text = expectation.trimmingCharacters(in: .whitespaces)
        for op in [">=", "<=", "!=", "==", ">", "<", "="] where text.hasPrefix(op) {
            let expected = text.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
            let order: ComparisonResult
            if let left = Double(value), let right = Double(expected) {
                order = left < right ? .orderedAscending : (left > right ? .orderedDescending : .orderedSame)
            } else {
                order = value < expected ? .orderedAscending : (value > expected ? .orderedDescending : .orderedSame)
            }
            switch op {
            case ">=": return order != .orderedAscending
            case "<=": return order != .orderedDescending
            case "!=": return order != .orderedSame
            case ">": return order == .orderedDescending
            case "<": return order == .orderedAscending
            default: return order == .orderedSame
            }
        }
        throw RunbookRunError("expectation '\(expectation)' must start with >, <, >=, <=, =, == or !=")
    }
}
