/// Every action a runbook step may name, with its parameters and outputs.
public enum ActionCatalog {
    static var actions: [any RunbookAction.Type] {
        [
            ServicesStop.self, ServicesStart.self, ServicesHealth.self, BackupSelect.self, CloudFetch.self,
            BackupDecrypt.self,
            BackupVerify.self, CompareLive.self, RestoreDatabase.self, RestoreDatabasePrepare.self, RestoreTables.self,
            RestoreTablesRehearse.self, SessionsTerminate.self, SQLCheck.self,
            ValidateRowCounts.self, Notify.self, Shell.self, Wait.self,
            RecoveryChoosePath.self, PostgresStop.self, PostgresStart.self, PostgresWaitReady.self,
            PhysicalRestoreAction.self
        ]
    }

    public static let all: [ActionSpec] = actions.map { $0.spec }

    public static func spec(_ name: String) -> ActionSpec? { all.first { $0.name == name } }

    static func action(_ name: String) -> (any RunbookAction.Type)? { actions.first { $0.spec.name == name } }
}
