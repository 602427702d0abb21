import Testing
import LifeboatCore
import LifeboatPostgres

@Suite struct ConnectionStringTests {
    @Test(arguments: [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        ("host=h password=secret dbname=db", "host=h password=*** dbname=db"),
        ("host=h password='se cret' dbname=db", "host=h password=*** dbname=db"),
        ("postgresql://u@h/db?password=secret&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db")
    ])
    func redactsPasswords(raw: String, expected: String) {
        #expect(ConnectionString.redacted(raw) == expected)
    }

    @Test func environmentCarriesThePassword() throws {
        let parsed = try ConnectionString("postgresql://app:pw%40x@127.0.0.1:6543/pagila?sslmode=disable")
        let environment = parsed.environment
        #expect(environment["PGPASSWORD"] == "pw@x")
        #expect(environment["PGHOST"] == "127.0.0.1")
        #expect(environment["PGPORT"] == "6543")
        #expect(environment["PGDATABASE"] == "pagila")
        #expect(environment["PGUSER"] == "app")
        #expect(environment["PGSSLMODE"] == "disable")
    }

    @Test func invalidStringsAreRejected() {
        #expect(throws: PostgresError.self) { try ConnectionString("host=h nosuchoption=1") }
    }

    /// Issue 18, item 4: libpq quotes the bad part of a string it refuses, and that part can be
    /// the password (or the whole URL): the error says what is wrong in general terms only.
    @Test(arguments: [
        "postgresql://app:hunter2-pw@[::1/db",
        "postgresql://app:hunter2-pw@h/db?hunter2-pw",
        "postgresql://app:hunter2-pw@h/db?sslmode=%zzhunter2-pw",
        "host=h password=hunter2-pw hunter2-pw",
        "host=h password='hunter2-pw",
        "host=h hunter2-pw=1"
    ])
    func malformedStringsAreNeverEchoed(raw: String) {
        do {
            _ = try ConnectionString(raw)
            Issue.record("libpq accepted \(raw)")
        } catch {
            #expect(error.code == .invalidConnectionString)
            #expect(!error.message.contains("hunter2"), "\(error.message)")
            #expect(!error.message.contains("app"), "\(error.message)")
            #expect(error.message.contains("not shown"), "\(error.message)")
        }
    }

    /// A bad port passes libpq's parse and fails at connect, quoting the port: not shown either.
    @Test func aBadValueFoundAtConnectTimeIsNotEchoed() {
        let url = "postgresql://app:pw@127.0.0.1:hunter2-pw/db"
        do {
            _ = try Connection(url)
            Issue.record("connected with a malformed port")
        } catch {
            let message = LifeboatError(connecting: error, target: ConnectionString.redacted(url)).description
            #expect(!message.contains("hunter2"), "\(message)")
        }
    }
}
