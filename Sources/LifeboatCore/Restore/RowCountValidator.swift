import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Compares the per-table row counts a manifest promises with what a database holds.
/// Counts use `FROM ONLY`, matching pg_dump's COPY blocks, which hold each partition's rows
/// under the partition's name and none under the partitioned parent.
public struct RowCountValidator {
    public struct Mismatch: Sendable, Codable, Equatable, CustomStringConvertible {
        public let table: String
        public let expected: Int64
        /// nil when the table is missing.
        public let actual: Int64?
        public var description: String {
            actual.map { "\(table): expected \(expected) rows, found \($0)" } ?? "\(table): expected \(expected) rows, table missing"
        }
    }

    public static func compare(_ expected: [RowCountTap.TableCount], in connection: Connection) throws -> [Mismatch] {
        var mismatches: [Mismatch] = []
        for table in expected {
            let qualified = "\(Connection.quoteIdentifier(table.schema)).\(Connection.quoteIdentifier(table.name))"
            do {
                let count = Int64(try connection.query("SELECT count(*) FROM ONLY \(qualified)").scalar ?? "") ?? -1
                if count != table.rows { mismatches.append(Mismatch(table: table.qualifiedName, expected: table.rows, actual: count)) }
            } catch where error.sqlState == "42P01" {
                mismatches.append(Mismatch(table: table.qualifiedName, expected: table.rows, actual: nil))
            } catch {
                throw LifeboatError(stage: "row counts", message: "counting \(table.qualifiedName) failed: \(error.message)")
            }
        }
        return mismatches
    }
}
