import Foundation
import Testing
@testable import LifeboatCore

/// Which database names `lifeboat cleanup` takes for Lifeboat's scratch databases, and what
/// would own each; and that every name Lifeboat makes is a plain SQL identifier.
@Suite struct ScratchDatabaseNameTests {
    @Test func scratchDatabaseNamesAreRecognisedByLifeboatsPatternsOnly() {
        #expect(ScratchDatabaseName("lifeboat_verify_20250118t030000z_4242", target: "app")?.owner == .process(4242))
        #expect(ScratchDatabaseName("app_restore_20250118t030000z", target: "app")?.owner == .target("app"))
        #expect(
            ScratchDatabaseName("other_tables_20250118t030000z", target: "app") == nil,
            "another database's: left to whoever restores it")
        #expect(ScratchDatabaseName("app_tables_x", target: "app")?.owner == .target("app"))
        #expect(
            ScratchDatabaseName("pitr_20250118t030000z_3fa2_restore_20250118t030001z", target: "app")?.owner
                == .target("pitr_20250118t030000z_3fa2"),
            "a runbook scratch database's own restore")
        let long = String(repeating: "a", count: 60)
        #expect(
            ScratchDatabaseName(DatabaseNames.derived(long, "restore", Date()), target: long)?.madeBy == "restore",
            "a shortened name")
        #expect(
            ScratchDatabaseName("sales_restore_q3", target: "app") == nil, "another database's without Lifeboat's stamp"
        )
        #expect(ScratchDatabaseName("app_before_20250118t030000z", target: "app") == nil, "kept on purpose")
        #expect(
            ScratchDatabaseName("pitr_20250118t030000z_3fa2", target: "app")?.owner == .run("20250118t030000z_3fa2"))
        #expect(
            ScratchDatabaseName("pitr_20250118t030000z-3fa2", target: "app")?.owner == .run("20250118t030000z-3fa2"),
            "older run ids")
        let drill = ScratchDatabaseName("app_drill_20250118t030000z", target: "app")
        #expect(drill?.owner == .target("app_drill_20250118t030000z") && drill?.made != nil)
    }

    @Test func namesLifeboatMakesAreUnquotedIdentifiers() {
        let plain = /^[a-z_][a-z0-9_]*$/
        let now = Date()
        for name in [
            DatabaseNames.derived("pagila", "restore", now), DatabaseNames.derived("pagila", "tables", now),
            DatabaseNames.derived(String(repeating: "a", count: 60), "before", now)
        ] {
            #expect(name.wholeMatch(of: plain) != nil && name.utf8.count <= 63, "\(name)")
        }
    }
}
