import Testing
import LifeboatPostgres

@Suite struct ConnectionStringTests {
    @Test(arguments: [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        ("host=h password=secret dbname=db", "host=h password=*** dbname=db"),
        ("host=h password='se cret' dbname=db", "host=h password=*** dbname=db"),
        ("postgresql://u@h/db?password=secret&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
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
}
