import Foundation
import LifeboatStreams

extension BackupManifest {
    /// Records what the dump stream held beside rows and the database's own properties.
    mutating func record(_ objects: DumpObjectScanner, database: ClusterGlobals.DatabaseProperties) {
        largeObjects = objects.largeObjects
        sequences = objects.sequences
        materializedViews = objects.materializedViews
        databaseProperties = DatabaseRecord(database)
    }

    /// `ClusterGlobals.DatabaseProperties` as the manifest writes it. The per-role settings are
    /// a list, not a JSON object keyed by role: the manifest's snake_case key strategy would
    /// rewrite a role's name used as a key (`app_reader` comes back as `appReader`).
    public struct DatabaseRecord: Codable, Sendable, Equatable {
        public struct RoleSettings: Codable, Sendable, Equatable {
            public var role: String
            public var settings: [String]
        }

        public var owner: String
        public var encoding: String
        public var collate: String
        public var ctype: String
        public var iculocale: String?
        public var comment: String?
        public var acl: [ClusterGlobals.Privilege]?
        public var settings: [String]
        public var roleSettings: [RoleSettings]

        public init(_ properties: ClusterGlobals.DatabaseProperties) {
            owner = properties.owner
            encoding = properties.encoding
            collate = properties.collate
            ctype = properties.ctype
            iculocale = properties.iculocale
            comment = properties.comment
            acl = properties.acl
            settings = properties.settings
            roleSettings = properties.roleSettings.sorted { $0.key < $1.key }.map {
                RoleSettings(role: $0.key, settings: $0.value)
            }
        }

        public var properties: ClusterGlobals.DatabaseProperties {
            ClusterGlobals.DatabaseProperties(
                owner: owner, encoding: encoding, collate: collate, ctype: ctype, iculocale: iculocale,
                comment: comment, acl: acl, settings: settings,
                roleSettings: Dictionary(roleSettings.map { ($0.role, $0.settings) }, uniquingKeysWith: { $1 }))
        }

        /// The encoding and locale a new database for this backup is created with.
        public var shape: DatabaseAdmin.Shape {
            DatabaseAdmin.Shape(owner: owner, encoding: encoding, collate: collate, ctype: ctype, iculocale: iculocale)
        }
    }
}

extension DatabaseAdmin.Shape {
    /// The shape a new database for `manifest`'s backup is made with: the backup's encoding and
    /// locale when the manifest has them (a database made like the server's default could sort
    /// text differently, or refuse characters the backup holds), the owner of `existing` (the
    /// live database it replaces; none for a new one: the stream's prelude gives the backup's
    /// owner once the roles exist). Without them, `existing` as before.
    public static func forBackup(_ manifest: BackupManifest?, replacing existing: Self?) -> Self? {
        guard let record = manifest?.databaseProperties else { return existing }
        return Self(
            owner: existing?.owner ?? "", encoding: record.encoding, collate: record.collate, ctype: record.ctype,
            iculocale: record.iculocale)
    }
}
