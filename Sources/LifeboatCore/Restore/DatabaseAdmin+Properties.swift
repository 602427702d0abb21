import Foundation
import LifeboatPostgres

extension DatabaseAdmin {
    /// A safe restore builds a new database from the backup, whose own statements give it the
    /// backup's owner, settings, ACL and comment; before the swap, the live database's win
    /// wherever both have one (a setting by name, the owner, the ACL, a comment), so that a
    /// change made after the backup (a tightened ACL, a new search_path) is not undone by a
    /// restore. Returns one line per property where the two differed, for the output.
    public func carryProperties(from live: String, to restored: String) throws -> [String] {
        let current = try ClusterGlobals.readDatabase(connection, name: live)
        let fromBackup = try ClusterGlobals.readDatabase(connection, name: restored)
        var merged = fromBackup
        var differences: [String] = []
        if current.owner != fromBackup.owner {
            merged.owner = current.owner
            differences.append("owner: \(current.owner) kept (the backup had \(fromBackup.owner))")
        }
        merged.settings = Self.merge(fromBackup.settings, current.settings, what: "setting", into: &differences)
        for role in Set(current.roleSettings.keys).union(fromBackup.roleSettings.keys).sorted() {
            merged.roleSettings[role] = Self.merge(
                fromBackup.roleSettings[role] ?? [], current.roleSettings[role] ?? [],
                what: "setting of \(role)", into: &differences)
        }
        if current.acl != fromBackup.acl {
            merged.acl = current.acl ?? Self.defaultACL(owner: merged.owner)
            differences.append("ACL: the live database's kept")
        }
        if let comment = current.comment, comment != fromBackup.comment {
            merged.comment = comment
            differences.append("comment: the live database's kept")
        }
        guard !differences.isEmpty else { return [] }
        let name = Connection.quoteIdentifier(restored)
        var statements = ["ALTER DATABASE \(name) RESET ALL"]
        statements += fromBackup.roleSettings.keys.sorted().map {
            "ALTER ROLE \(Connection.quoteIdentifier($0)) IN DATABASE \(name) RESET ALL"
        }
        if fromBackup.acl != nil || current.acl != fromBackup.acl {
            for grantee in Set((fromBackup.acl ?? []).compactMap(\.grantee)).sorted() {
                statements.append("REVOKE ALL ON DATABASE \(name) FROM \(Connection.quoteIdentifier(grantee))")
            }
        }
        statements += GlobalsPrelude.propertyStatements(merged, in: name)
        for statement in statements { _ = try runProperty(statement) }
        return differences
    }

    private func runProperty(_ sql: String) throws -> QueryResult {
        do { return try connection.query(sql) } catch {
            throw LifeboatError(
                stage: "database properties", message: error.message,
                hint: "the restored copy is kept beside the live database; its properties can be set by hand")
        }
    }

    /// Settings `name=value`: the backup's, with the live database's value wherever it has one.
    static func merge(_ backup: [String], _ live: [String], what: String, into differences: inout [String]) -> [String]
    {
        func key(_ setting: String) -> String { String(setting.prefix { $0 != "=" }).lowercased() }
        var merged = backup
        for setting in live {
            if let index = merged.firstIndex(where: { key($0) == key(setting) }) {
                if merged[index] != setting {
                    differences.append("\(what) \(key(setting)): \(setting) kept (the backup had \(merged[index]))")
                    merged[index] = setting
                }
            } else {
                differences.append("\(what) \(key(setting)): \(setting) kept (not in the backup)")
                merged.append(setting)
            }
        }
        return merged
    }

    /// What a NULL datacl means: the owner may do everything, PUBLIC may connect and make temporary tables.
    static func defaultACL(owner: String) -> [ClusterGlobals.Privilege] {
        [
            ClusterGlobals.Privilege(grantee: nil, privilege: "CONNECT", grantable: false),
            ClusterGlobals.Privilege(grantee: nil, privilege: "TEMPORARY", grantable: false),
            ClusterGlobals.Privilege(grantee: owner, privilege: "ALL", grantable: false)
        ]
    }
}
