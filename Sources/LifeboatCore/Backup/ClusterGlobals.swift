import Foundation
import LifeboatPostgres

/// What a database needs from its cluster and what belongs to the database itself, read at
/// backup time: a plain pg_dump has neither, so a total loss onto a new cluster failed on the
/// first `ALTER … OWNER TO` ("role does not exist") and a restore reset the database's settings,
/// ACL and comment. `GlobalsPrelude` turns this into the statements that open the backup.
public struct ClusterGlobals: Sendable, Equatable, Codable {
    public struct Role: Sendable, Equatable, Codable {
        public var name: String
        public var superuser = false
        public var inherit = true
        public var createRole = false
        public var createDatabase = false
        public var login = false
        public var replication = false
        public var bypassRLS = false
        public var connectionLimit = -1
        public var validUntil: String?
        /// The password hash (SCRAM or MD5), only with BACKUP_INCLUDE_ROLE_PASSWORDS=true.
        public var passwordHash: String?
        /// `ALTER ROLE … SET` settings that hold in every database, `name=value` as stored.
        public var settings: [String] = []
    }

    public struct Membership: Sendable, Equatable, Codable {
        public var role: String
        public var member: String
        public var adminOption: Bool
    }

    public struct Privilege: Sendable, Equatable, Codable {
        /// nil for PUBLIC.
        public var grantee: String?
        public var privilege: String
        public var grantable: Bool
    }

    /// The database's own properties, which pg_dump writes only with --create.
    public struct DatabaseProperties: Sendable, Equatable, Codable {
        public var owner: String
        public var encoding: String
        public var collate: String
        public var ctype: String
        public var iculocale: String?
        public var comment: String?
        /// nil: the default ACL (PUBLIC may connect and create temporary tables).
        public var acl: [Privilege]?
        /// `ALTER DATABASE … SET`, `name=value` as stored.
        public var settings: [String] = []
        /// `ALTER ROLE r IN DATABASE … SET`, by role.
        public var roleSettings: [String: [String]] = [:]
    }

    /// Every role the database refers to (owners, grantees, policy roles, per-database
    /// settings) and the roles those are members of, predefined `pg_*` roles excepted.
    public var roles: [Role]
    public var memberships: [Membership]
    public var database: DatabaseProperties

    public static func read(from connection: Connection, includePasswords: Bool) throws -> ClusterGlobals {
        let roleRows = try connection.query(
            """
            WITH RECURSIVE db AS (SELECT oid, datdba, datacl FROM pg_database WHERE datname = current_database()),
            direct(role) AS (
                SELECT refobjid FROM pg_shdepend, db WHERE pg_shdepend.dbid = db.oid AND refclassid = 'pg_authid'::regclass
                UNION SELECT refobjid FROM pg_shdepend, db
                      WHERE pg_shdepend.dbid = 0 AND classid = 'pg_database'::regclass AND objid = db.oid AND refclassid = 'pg_authid'::regclass
                UNION SELECT datdba FROM db
                UNION SELECT (aclexplode(datacl)).grantee FROM db WHERE datacl IS NOT NULL
                UNION SELECT setrole FROM pg_db_role_setting, db WHERE setdatabase = db.oid),
            closure(role) AS (
                SELECT role FROM direct WHERE role <> 0
                UNION SELECT m.roleid FROM pg_auth_members m JOIN closure c ON m.member = c.role)
            SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
                   r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text,
                   (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = 0 AND setrole = r.oid)::text
            FROM pg_roles r JOIN closure c ON c.role = r.oid
            WHERE r.rolname !~ '^pg_'
            ORDER BY r.rolname
            """
        ).rows
        var roles = roleRows.compactMap { row -> Role? in
            guard let name = row[0] else { return nil }
            return Role(
                name: name, superuser: row[1] == "t", inherit: row[2] == "t", createRole: row[3] == "t",
                createDatabase: row[4] == "t", login: row[5] == "t", replication: row[6] == "t",
                bypassRLS: row[7] == "t",
                connectionLimit: Int(row[8] ?? "") ?? -1, validUntil: row[9], passwordHash: nil,
                settings: PostgresArray.parse(row[10]))
        }
        if includePasswords {
            // pg_authid is readable by superusers only; the error says so when it is not.
            let hashes = try connection.query(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL"
            ).rows
            let byName = Dictionary(
                hashes.compactMap { row in row[0].flatMap { name in row[1].map { (name, $0) } } },
                uniquingKeysWith: { first, _ in first })
            for index in roles.indices { roles[index].passwordHash = byName[roles[index].name] }
        }
        let names = Set(roles.map(\.name))
        let memberships = try connection.query(
            """
            SELECT r.rolname, u.rolname, m.admin_option FROM pg_auth_members m
            JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member ORDER BY 1, 2
            """
        ).rows.compactMap { row -> Membership? in
            guard let role = row[0], let member = row[1], names.contains(role), names.contains(member) else {
                return nil
            }
            return Membership(role: role, member: member, adminOption: row[2] == "t")
        }
        return ClusterGlobals(roles: roles, memberships: memberships, database: try readDatabase(connection))
    }

    /// The properties of `name` (default: the connection's own database), from the shared
    /// catalogs: any database of the server can be read from any other.
    static func readDatabase(_ connection: Connection, name: String? = nil) throws -> DatabaseProperties {
        guard
            let row = try connection.query(
                """
                SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, to_jsonb(d) ->> 'daticulocale',
                       shobj_description(d.oid, 'pg_database'), d.datacl IS NULL,
                       (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0)::text
                FROM pg_database d WHERE d.datname = coalesce($1, current_database())
                """, [name]
            ).rows.first
        else {
            throw LifeboatError(
                stage: "restore", message: "database \(name ?? "current_database()") is missing from pg_database")
        }
        var properties = DatabaseProperties(
            owner: row[0] ?? "", encoding: row[1] ?? "UTF8", collate: row[2] ?? "", ctype: row[3] ?? "",
            iculocale: row[4], comment: row[5], acl: nil,
            settings: PostgresArray.parse(row[7]))
        if row[6] == "f" {
            properties.acl = try connection.query(
                """
                SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable
                FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = coalesce($1, current_database()) ORDER BY 1 NULLS FIRST, 2
                """, [name]
            ).rows.compactMap { row in
                row[1].map { Privilege(grantee: row[0], privilege: $0, grantable: row[2] == "t") }
            }
        }
        for row in try connection.query(
            """
            SELECT pg_get_userbyid(s.setrole), s.setconfig::text FROM pg_db_role_setting s, pg_database d
            WHERE d.datname = coalesce($1, current_database()) AND s.setdatabase = d.oid AND s.setrole <> 0 ORDER BY 1
            """, [name]
        ).rows {
            guard let role = row[0] else { continue }
            properties.roleSettings[role] = PostgresArray.parse(row[1])
        }
        return properties
    }
}

/// Reads the text form of a one-dimensional PostgreSQL text array (`{a,"b c","d\"e"}`).
enum PostgresArray {
    static func parse(_ text: String?) -> [String] {
        guard let text, text.hasPrefix("{"), text.hasSuffix("}") else { return [] }
        var items: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if character == "," && !quoted {
                items.append(current)
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty || wasQuoted || !items.isEmpty { items.append(current) }
        return items
    }
}
