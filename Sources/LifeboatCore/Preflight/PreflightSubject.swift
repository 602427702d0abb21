import Foundation

/// What an operation is about to do, as far as the preflight checks need to know it: which
/// backup, what it restores on the server, what it writes locally, which service actions it
/// runs. `lifeboat restore` and the runbook planner each describe themselves this way.
public struct PreflightSubject: Sendable {
    public enum Backup: Sendable {
        /// A file on this machine.
        case local(URL)
        /// An object in the configured bucket, by backup file name.
        case cloud(name: String)
        /// The backup could not be known before the run (why; whether it was to come from the
        /// bucket): the checks that need it warn.
        case unresolved(String, fromCloud: Bool)
    }

    /// What the operation does on the server.
    public enum ServerWork: Sendable, Equatable {
        /// Nothing is restored (a rollback, a runbook without restore steps).
        case none
        /// A new database beside the live one: safe and table restores, verification, drills.
        case newDatabase
        /// The live database is dropped first, then restored (in-place).
        case replace
    }

    /// Bytes written into a local folder (a download, a decrypted copy) and why.
    public struct LocalWrite: Sendable {
        public let folder: URL
        /// Called with the manifest (nil when there is none) to size the write.
        public let bytes: @Sendable (BackupManifest?, Int64?) -> Int64?
        public let why: String

        public init(folder: URL, why: String, bytes: @escaping @Sendable (BackupManifest?, Int64?) -> Int64?) {
            self.folder = folder
            self.why = why
            self.bytes = bytes
        }
    }

    public var backup: Backup
    /// The database the operation acts on (a drill's scratch database in drills).
    public var target: String
    public var serverWork: ServerWork
    public var localWrites: [LocalWrite] = []
    /// The backup's plaintext is needed (a restore, a verification, a decrypt step).
    public var readsBackup: Bool
    /// The service actions the operation runs, each with the argv it would run.
    public var serviceCommands: [(action: String, argv: [String])] = []
    /// Why no service command is checked, when none is (no provider, a drill records them).
    public var servicesNote: String?
    /// The backup a runbook's `backup.select` step would choose, and why ("NAME — the newest
    /// daily backup taken before the incident at …"); or why none fits its inputs.
    public var choice: String?
    public var choiceProblem: String?
    /// The tables a table-level restore names, as the operator wrote them (`backup.tables`).
    public var tables: [String] = []
    /// Whether the target's locks matter (a verification into a temporary database takes none).
    public var checksLock: Bool

    public init(backup: Backup, target: String, serverWork: ServerWork, readsBackup: Bool, checksLock: Bool) {
        self.backup = backup
        self.target = target
        self.serverWork = serverWork
        self.readsBackup = readsBackup
        self.checksLock = checksLock
    }
}
