import CLibpq

/// Rows of a finished query, copied out of libpq's result as text.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows affected, for INSERT/UPDATE/DELETE/COPY ("" for others).
    public let commandTuples: String

    init(copying result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        rows = (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
        }
        commandTuples = String(cString: PQcmdTuples(result))
    }

    /// The first column of the first row, for single-value queries.
    public var scalar: String? { rows.first?.first ?? nil }
}
