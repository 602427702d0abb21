import CLibpq

/// COPY in both directions, chunk by chunk, so a table moves between databases without
/// being held in memory.
extension Connection {
    /// Runs `COPY ... TO STDOUT` and hands each chunk to `consume`.
    public func copyOut(_ sql: String, _ consume: ([UInt8]) throws -> Void) throws {
        let conn = try liveHandle()
        try expect(PQexec(conn, sql), PGRES_COPY_OUT, conn)
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(conn, &buffer, 0)
            if length > 0, let buffer {
                let chunk = Array(UnsafeRawBufferPointer(start: buffer, count: Int(length)).bindMemory(to: UInt8.self))
                PQfreemem(buffer)
                try consume(chunk)
            } else if length == -1 {
                break
            } else {
                throw PostgresError(code: .copyFailed, message: String(cString: PQerrorMessage(conn)))
            }
        }
        try finishCommand(conn)
    }

    /// Starts `COPY ... FROM STDIN`; send chunks with `putCopyData`, then `endCopy`.
    public func beginCopyIn(_ sql: String) throws {
        let conn = try liveHandle()
        try expect(PQexec(conn, sql), PGRES_COPY_IN, conn)
    }

    /// `beginCopyIn` for a statement given as the file's bytes (`execute` says why).
    public func beginCopyIn(bytes text: [UInt8]) throws {
        let conn = try liveHandle()
        try expect(try Self.exec(text, conn, failing: .copyFailed), PGRES_COPY_IN, conn)
    }

    public func putCopyData(_ chunk: [UInt8]) throws {
        let conn = try liveHandle()
        let status = chunk.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(conn, $0, Int32(buffer.count))
            }
        }
        guard status == 1 else {
            throw PostgresError(code: .copyFailed, message: String(cString: PQerrorMessage(conn)))
        }
    }

    /// Ends a COPY FROM STDIN, or aborts it with `failure` (the server then rolls the COPY back).
    public func endCopy(failure: String? = nil) throws {
        let conn = try liveHandle()
        guard PQputCopyEnd(conn, failure) == 1 else {
            throw PostgresError(code: .copyFailed, message: String(cString: PQerrorMessage(conn)))
        }
        try finishCommand(conn)
    }

    private func expect(_ result: OpaquePointer?, _ status: ExecStatusType, _ conn: OpaquePointer) throws {
        guard let result else { throw PostgresError(code: .copyFailed, message: String(cString: PQerrorMessage(conn))) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == status else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(
                code: .copyFailed, message: String(cString: PQresultErrorMessage(result)), sqlState: state)
        }
    }

    /// Collects the command's final result (and any trailing ones) after a COPY.
    private func finishCommand(_ conn: OpaquePointer) throws {
        var failure: PostgresError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK && failure == nil {
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                failure = PostgresError(
                    code: .copyFailed, message: String(cString: PQresultErrorMessage(result)), sqlState: state)
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }
}
