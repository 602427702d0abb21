import Testing
@testable import LifeboatCore

/// psql messages caused by the server restored onto are the target's problem, never "the backup is bad".
@Suite struct TargetProblemTests {
    @Test(arguments: [
        (
            "psql:<stdin>:40: ERROR:  could not open extension control file \"/usr/share/postgresql/15/extension/postgis.control\": No such file or directory",
            "the extension postgis"
        ),
        ("ERROR:  extension \"vector\" is not available", "the extension vector"),
        ("psql:<stdin>:12: ERROR:  role \"app_owner\" does not exist", "no role app_owner"),
        ("ERROR:  tablespace \"fast_ssd\" does not exist", "no tablespace fast_ssd"),
        ("ERROR:  permission denied to create role", "may not create role")
    ])
    func targetCausesAreNamed(_ message: String, _ named: String) throws {
        let error = try #require(TargetProblem.diagnose("psql exited with status 3: " + message, database: "app"))
        #expect(error.stage == "target" && error.category == .failed)
        #expect(error.message.contains(named), "\(error.message)")
        #expect(error.message.contains("the backup itself is not at fault"))
    }

    @Test(arguments: [
        "ERROR:  syntax error at or near \"CREAT\"",
        "ERROR:  duplicate key value violates unique constraint \"x_pkey\"", ""
    ])
    func otherFailuresAreLeftAsTheyAre(_ message: String) {
        #expect(TargetProblem.diagnose(message, database: "app") == nil)
    }
}
