/// Why the SQL guard stopped a backup's SQL before psql saw it: the line, the offending
/// command (a psql meta-command such as `\!`, or a statement's first words) and the rule.
public struct SQLGuardRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A backslash command outside COPY data (`\!`, `\c`, `\o`, a mid-line `\`).
        case metaCommand
        /// A statement pg_dump never writes (transaction control, roles, COPY to/from a
        /// program or file, settings that change how psql reads the rest).
        case statement
        /// COPY data that pg_dump cannot have written (an escape it never uses, text after
        /// `COPY … FROM stdin;`, a file that ends inside a block).
        case copyData
        /// Bytes psql would read differently from the guard (NUL, a quote left open at the end).
        case malformed
    }

    /// 1-based line number in the backup's plain SQL.
    public let line: Int
    public let kind: Kind
    /// What was refused, as the user would search for it (`\!`, `COMMIT`, `COPY … TO PROGRAM`).
    public let command: String
    /// The rule, in a few words.
    public let reason: String

    public init(line: Int, kind: Kind, command: String, reason: String) {
        self.line = line
        self.kind = kind
        self.command = command
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .metaCommand:
            return "line \(line) of the backup's SQL is the psql meta-command \(command) — a backup may hold only SQL; "
                + "this one was altered or not made by pg_dump"
        case .statement:
            return "line \(line) of the backup's SQL starts a statement pg_dump never writes: \(command) (\(reason)); "
                + "this backup was altered or not made by pg_dump"
        case .copyData, .malformed:
            return
                "line \(line) of the backup's SQL: \(reason) (\(command)); this backup was altered or not made by pg_dump"
        }
    }
}
