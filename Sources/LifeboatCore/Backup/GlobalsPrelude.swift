import Foundation
import LifeboatPostgres

/// The statements that open every logical backup (before pg_dump's own): the roles the
/// database needs and its own properties, so that `gpg -d | gunzip | psql` on a bare cluster
/// brings back the whole database, by hand as well as through Lifeboat.
///
/// Rules, each for a reason:
/// - A role is created only when missing, with its attributes (and password hash only when
///   the backup carries one); a role that exists is never altered: a restore must not reset a
///   password or take away an attribute on a running cluster. Memberships and role-wide
///   settings are given only to the roles created here, for the same reason.
/// - Database properties (owner, `ALTER DATABASE … SET`, per-role settings in the database, ACL,
///   comment) apply to whatever database the SQL is loaded into (`current_database()`), so the
///   same file serves a scratch database, a swap and a restore by hand. A restoring user not
///   allowed to set one gets a warning from the server, not a failed restore.
/// - Everything runs in the restore's single transaction: a failure leaves no role behind.
public enum GlobalsPrelude {
    /// Stands for the database's name in the property statements until they become format() templates.
    static let databaseName = "\u{1}database\u{1}"

    public static func render(_ globals: ClusterGlobals) -> String {
        var lines: [String] = []
        for role in globals.roles {
            var created = ["CREATE ROLE \(ident(role.name)) \(attributes(role))"]
            for setting in role.settings { created.append("ALTER ROLE \(ident(role.name)) SET \(assignment(setting))") }
            lines.append(
                "    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = \(literal(role.name))) THEN")
            lines += created.map { "        EXECUTE \(literal($0));" }
            lines.append("        created := created || \(literal(role.name))::text;")
            lines.append("    END IF;")
        }
        // After every role exists: memberships of the roles created here only.
        for membership in globals.memberships {
            let grant =
                "GRANT \(ident(membership.role)) TO \(ident(membership.member))"
                + (membership.adminOption ? " WITH ADMIN OPTION" : "")
            lines.append("    IF \(literal(membership.member)) = ANY (created) THEN EXECUTE \(literal(grant)); END IF;")
        }
        let here = databaseName
        let properties = propertyStatements(globals.database, in: here)
        for statement in properties {
            // format() fills %I with the database's name; any other % in a value is doubled.
            let template = statement.replacingOccurrences(of: "%", with: "%%").replacingOccurrences(
                of: here, with: "%I")
            let shown = statement.replacingOccurrences(of: here, with: "<database>")
            lines.append("    BEGIN")
            lines.append("        EXECUTE format(\(literal(template)), current_database());")
            lines.append("    EXCEPTION WHEN insufficient_privilege THEN")
            lines.append("        RAISE WARNING 'lifeboat: not applied (%): %', \(literal(shown)), SQLERRM;")
            lines.append("    END;")
        }
        let body = (["DECLARE", "    created text[] := '{}';", "BEGIN"] + lines + ["END"]).joined(separator: "\n")
        let tag = dollarTag(avoiding: body)
        return """
            --
            -- Lifeboat: the roles this database needs (created only where missing; a role that exists is never
            -- changed) and the database's own properties (owner, settings, ACL, comment), applied to the database
            -- this file is loaded into. pg_dump's output follows.
            --
            SET standard_conforming_strings = on;
            DO \(tag)
            \(body)
            \(tag);

            """
    }

    /// The statements that give database `name` (SQL, already quoted, or the placeholder) the
    /// properties `database` describes; an ACL of nil leaves the default alone.
    static func propertyStatements(_ database: ClusterGlobals.DatabaseProperties, in name: String) -> [String] {
        var properties: [String] = ["ALTER DATABASE \(name) OWNER TO \(ident(database.owner))"]
        for setting in database.settings { properties.append("ALTER DATABASE \(name) SET \(assignment(setting))") }
        for (role, settings) in database.roleSettings.sorted(by: { $0.key < $1.key }) {
            for setting in settings {
                properties.append("ALTER ROLE \(ident(role)) IN DATABASE \(name) SET \(assignment(setting))")
            }
        }
        if let acl = database.acl {
            properties.append("REVOKE ALL ON DATABASE \(name) FROM PUBLIC")
            properties.append("REVOKE ALL ON DATABASE \(name) FROM \(ident(database.owner))")
            for item in acl {
                properties.append(
                    "GRANT \(item.privilege) ON DATABASE \(name) TO \(item.grantee.map(ident) ?? "PUBLIC")"
                        + (item.grantable ? " WITH GRANT OPTION" : ""))
            }
        }
        properties.append("COMMENT ON DATABASE \(name) IS " + (database.comment.map(literal) ?? "NULL"))
        return properties
    }

    static func attributes(_ role: ClusterGlobals.Role) -> String {
        var words = [
            role.superuser ? "SUPERUSER" : "NOSUPERUSER", role.inherit ? "INHERIT" : "NOINHERIT",
            role.createRole ? "CREATEROLE" : "NOCREATEROLE", role.createDatabase ? "CREATEDB" : "NOCREATEDB",
            role.login ? "LOGIN" : "NOLOGIN", role.replication ? "REPLICATION" : "NOREPLICATION",
            role.bypassRLS ? "BYPASSRLS" : "NOBYPASSRLS", "CONNECTION LIMIT \(role.connectionLimit)"
        ]
        if let hash = role.passwordHash { words.append("PASSWORD \(literal(hash))") }
        if let until = role.validUntil { words.append("VALID UNTIL \(literal(until))") }
        return words.joined(separator: " ")
    }

    /// `name=value` as pg_db_role_setting stores it, as the SET clause that gives it back.
    /// List settings (search_path and the like) are split into one literal per element, as
    /// pg_dump does, so `"$user", public` stays two elements.
    static func assignment(_ stored: String) -> String {
        guard let equals = stored.firstIndex(of: "=") else { return "\(ident(stored)) TO DEFAULT" }
        let name = String(stored[..<equals])
        let value = String(stored[stored.index(after: equals)...])
        guard listSettings.contains(name.lowercased()) else { return "\(ident(name)) TO \(literal(value))" }
        return "\(ident(name)) TO " + splitList(value).map(literal).joined(separator: ", ")
    }

    /// The settings PostgreSQL flags GUC_LIST_QUOTE (pg_dump's `variable_is_guc_list_quote`).
    static let listSettings: Set<String> = [
        "local_preload_libraries", "search_path", "session_preload_libraries",
        "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories"
    ]

    /// Splits a list setting's stored value at commas outside double quotes, unquoting each.
    static func splitList(_ value: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var characters = Array(value)[...]
        while let character = characters.popFirst() {
            if character == "\"" {
                if quoted, characters.first == "\"" {
                    current.append("\"")
                    characters.removeFirst()
                } else {
                    quoted.toggle()
                }
            } else if character == "," && !quoted {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current.trimmingCharacters(in: .whitespaces))
        return items.filter { !$0.isEmpty }
    }

    static func ident(_ name: String) -> String { Connection.quoteIdentifier(name) }
    static func literal(_ value: String) -> String { Connection.quoteLiteral(value) }

    /// A dollar-quote tag that does not occur in `body`.
    static func dollarTag(avoiding body: String) -> String {
        var tag = "$lifeboat$"
        var counter = 0
        while body.contains(tag) {
            counter += 1
            tag = "$lifeboat\(counter)$"
        }
        return tag
    }
}
