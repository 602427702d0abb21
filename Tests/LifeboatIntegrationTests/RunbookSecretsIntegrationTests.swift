import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Issue 18, item 4, through the real binary: `sql.check` only looks (a read-only transaction
/// its one statement cannot leave), and a `shell` step's `${…}` values are data, not code.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookSecretsIntegrationTests {
    static func run(_ yaml: String, inputs: [String] = [], _ database: ScratchDatabase) throws -> CommandResult {
        let books = try ScratchFolder()
        let state = try ScratchFolder()
        let file = books.url.appendingPathComponent("book.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try Command.lifeboat(
            ["runbook", "run", file.path, "--yes"] + inputs.flatMap { ["--input", $0] },
            environment: ["DATABASE_URL": database.url, "LIFEBOAT_STATE_DIR": state.path])
    }

    static func check(_ query: String) -> String {
        """
        name: check
        description: a check that tries to write
        steps:
          - id: write
            action: sql.check
            with: { query: "\(query)", expect: "= 1" }
        """
    }

    @Test(arguments: [
        "INSERT INTO marker VALUES (2) RETURNING 1",
        "WITH gone AS (DELETE FROM marker RETURNING 1) SELECT count(*) FROM gone",
        "SELECT 1; DROP TABLE marker",
        "COMMIT; DELETE FROM marker"
    ])
    func sqlCheckCannotWrite(query: String) throws {
        let database = try ScratchDatabase(fromPagila: false)
        let connection = try database.connect()
        defer { connection.close() }
        try connection.query("CREATE TABLE marker (id int)")
        try connection.query("INSERT INTO marker VALUES (1)")
        let result = try Self.run(Self.check(query), database)
        #expect(result.status != 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try connection.query("SELECT count(*) FROM marker").scalar == "1", "the table is untouched")
    }

    @Test func shellStepValuesAreNotRunAsCode() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let work = try ScratchFolder()
        let planted = work.url.appendingPathComponent("pwned").path
        let value = "x'; touch \(planted); echo '$(touch \(planted))\"`touch \(planted)`"
        let yaml = """
            name: quoting
            description: values as data
            inputs:
              name: { type: string, required: true, description: a name }
            steps:
              - id: bare
                action: shell
                with: { command: "printf %s ${inputs.name} > \(work.path)/bare" }
              - id: double
                action: shell
                with: { command: "printf %s \\"[${inputs.name}]\\" > \(work.path)/double" }
                needs: [bare]
            """
        let result = try Self.run(yaml, inputs: ["name=\(value)"], database)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: planted), "a value ran as a command")
        #expect(try String(contentsOfFile: work.path + "/bare", encoding: .utf8) == value)
        #expect(try String(contentsOfFile: work.path + "/double", encoding: .utf8) == "[\(value)]")
    }
}
