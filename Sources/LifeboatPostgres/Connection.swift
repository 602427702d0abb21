import CLibpq
import Foundation

/// One libpq connection. Owns its `PGconn*`: `close()` ends it, `deinit` is the safety net.
/// Not Sendable: a connection is used by one task at a time, as libpq requires.
public final class Connection {
    private var handle: OpaquePointer?

    /// Connects with a libpq connection string (URL or key=value); an empty string means the
    /// PG* environment variables and libpq's defaults.
    public convenience init(_ conninfo: String = "") throws(PostgresError) {
        try self.init(conninfo, database: nil)
    }

    /// Connects as `conninfo` says, but to `database` when given: the same server, user and
    /// password reach the maintenance database or a scratch database. `connectTimeout` becomes
    /// libpq's `connect_timeout` (whole seconds, rounded up; zero waits forever) and wins over one
    /// in `conninfo`, so that DB_CONNECT_TIMEOUT means what the configuration says.
    public init(_ conninfo: String, database: String?, connectTimeout: Duration? = nil) throws(PostgresError) {
        // A string libpq cannot parse (an unknown option, a bad value) is a mistake in the string,
        // not a failed connection: the code says so, and callers can call it a configuration error.
        if conninfo.contains("=") || conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            _ = try ConnectionString(conninfo)
        }
        // libpq expands the first "dbname" as a whole connection string; later keywords override it.
        var keywords = ["dbname"]
        var values = [conninfo]
        if let database {
            keywords.append("dbname")
            values.append(database)
        }
        if let connectTimeout {
            keywords.append("connect_timeout")
            values.append(String(connectTimeout.wholeSecondsRoundedUp))
        }
        let conn = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            throw PostgresError(code: .connectionFailed, message: message)
        }
        handle = conn
        // Keep server notices (e.g. "NOTICE: database does not exist, skipping") off stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { close() }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    func liveHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else { throw PostgresError(code: .connectionFailed, message: "connection already closed") }
        return handle
    }

    /// The server version as libpq reports it, e.g. 150018 for 15.18.
    public var serverVersionNumber: Int {
        handle.map { Int(PQserverVersion($0)) } ?? 0
    }

    /// The server's major version (15 for 150018; 9.6 servers report 9).
    public var serverMajorVersion: Int { serverVersionNumber / 10000 }

    public var databaseName: String {
        handle.flatMap { PQdb($0) }.map { String(cString: $0) } ?? ""
    }

    /// Runs one statement with text parameters ($1, $2, ...) and returns its rows as text.
    /// `singleStatement`: refuse text holding several statements (the extended protocol does),
    /// so that SQL from a runbook cannot end the transaction it was put in (`COMMIT; DROP …`).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], singleStatement: Bool = false) throws(PostgresError)
        -> QueryResult
    {
        let conn = try liveHandle()
        let result: OpaquePointer?
        if parameters.isEmpty && !singleStatement {
            result = PQexec(conn, sql)
        } else {
            result = withCStringArray(parameters) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        let succeeded = try Self.succeeded(result, conn)
        defer { PQclear(succeeded) }
        return QueryResult(copying: succeeded)
    }

    /// Runs SQL given as bytes, exactly as they are (a restore's statements: a SQL_ASCII database
    /// may hold names whose bytes are not UTF-8, which a Swift string would change). Text with a
    /// NUL byte is refused: libpq would run only what comes before it.
    public func execute(_ text: [UInt8]) throws(PostgresError) {
        let conn = try liveHandle()
        PQclear(try Self.succeeded(try Self.exec(text, conn, failing: .queryFailed), conn))
    }

    /// `PQexec` of SQL given as bytes (`execute`, `beginCopyIn(bytes:)`); the caller reads and
    /// clears the result. A NUL byte is refused with `failing`'s code before libpq sees the text.
    static func exec(_ text: [UInt8], _ conn: OpaquePointer, failing code: PostgresError.Code) throws(PostgresError)
        -> OpaquePointer?
    {
        guard !text.contains(0) else {
            throw PostgresError(code: code, message: "the statement holds a NUL byte, which SQL text cannot")
        }
        return (text + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { PQexec(conn, $0) }
        }
    }

    /// A statement's result when it succeeded (command or rows), for the caller to clear; else
    /// the server's message and SQLSTATE as a `PostgresError`, the result already cleared.
    private static func succeeded(_ result: OpaquePointer?, _ conn: OpaquePointer) throws(PostgresError)
        -> OpaquePointer
    {
        guard let result else {
            throw PostgresError(code: .queryFailed, message: String(cString: PQerrorMessage(conn)))
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = String(cString: PQresultErrorMessage(result))
            PQclear(result)
            throw PostgresError(code: .queryFailed, message: message, sqlState: state)
        }
        return result
    }

    /// Quotes an identifier for SQL text (schema, table or database names).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal for SQL text where parameters cannot be used (utility statements).
    public static func quoteLiteral(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Lends libpq a NULL-terminated `const char * const *` built from Swift strings for the
/// duration of `body` (the terminator serves PQconnectdbParams; PQexecParams ignores it).
private func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } } + [nil]
    defer { pointers.forEach { free($0) } }
    let constPointers = pointers.map { UnsafePointer($0) }
    return constPointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
