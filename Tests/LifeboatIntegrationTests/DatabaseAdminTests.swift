import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// The restore's swap renames databases; RENAME waits in 100 ms steps for any server process
/// still on the database, so the admin waits for just-closed sessions to leave first.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DatabaseAdminTests {
    static func sessions(on database: String) throws -> String? {
        let admin = try Connection(try TestEnvironment.adminURL)
        defer { admin.close() }
        return try admin.query("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", [database]).scalar
    }

    @Test func waitsUntilAClosedSessionHasLeftButNotForOneThatStays() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let admin = try DatabaseAdmin(conninfo: try TestEnvironment.adminURL)
        defer { admin.close() }
        for _ in 0..<5 {
            let client = try database.connect()
            _ = try client.query("SELECT 1")
            client.close()
            // On a busy machine a closed session's server process can take longer than the
            // restore's one-second wait to exit: wait on the condition, with room to spare.
            #expect(
                admin.waitForSessionsToEnd(on: database.name, timeout: 120),
                "the closed session's server process is gone")
            #expect(try Self.sessions(on: database.name) == "0")
        }
        let stays = try database.connect()
        defer { stays.close() }
        #expect(!admin.waitForSessionsToEnd(on: database.name, timeout: 0.05), "it gives up on a session that stays")
        #expect(
            try Self.sessions(on: database.name) == "1", "an open session is left alone: RENAME reports it as before")
    }
}
