import Foundation
import LifeboatPostgres

extension Preflight {
    /// `server.objects`: the target server has what the backup needs (its manifest's
    /// `requires`): the extensions' packages, the tablespaces, and the roles, or the right to
    /// create them (the backup's first statement creates missing roles). Anything missing is
    /// the target's problem, said before anything changes, never "the backup is bad".
    func serverObjects(_ subject: PreflightSubject, _ backup: BackupFacts, _ server: ServerFacts?) -> PreflightCheck {
        let name = "server.objects"
        guard subject.serverWork != .none else {
            return PreflightCheck(name, .skipped, "nothing is restored on the server")
        }
        guard let server, server.unreachable == nil else {
            return PreflightCheck(name, .skipped, "the server cannot be asked (see server.version)")
        }
        let privileges = missingPrivileges(subject, server)
        guard let needs = backup.manifest?.requires else {
            if let privileges {
                return PreflightCheck(
                    name, .fail, privileges.what + " (the backup itself is not at fault)", hint: privileges.fix)
            }
            return PreflightCheck(
                name, .skipped,
                "\(backup.missingManifest == "the backup has no manifest" ? "no manifest" : "the manifest") "
                    + "does not list what the backup needs (taken before Lifeboat recorded it)")
        }
        let extensions = needs.extensions.filter { !server.availableExtensions.contains($0.name) }
        let tablespaces = needs.tablespaces.filter { !server.tablespaces.contains($0) }
        let roles = needs.roles.filter { !server.roles.contains($0) }
        var missing: [String] = []
        var hints: [String] = []
        if !extensions.isEmpty {
            missing.append(
                "extension\(extensions.count == 1 ? "" : "s") "
                    + extensions.map { "\($0.name) \($0.version)" }.joined(separator: ", ")
                    + " not installable here")
            hints.append(
                "install the packages that provide \(extensions.map(\.name).joined(separator: ", ")) on the server "
                    + "(contrib modules: apt-get install postgresql-contrib)")
        }
        if !tablespaces.isEmpty {
            missing.append(
                "tablespace\(tablespaces.count == 1 ? "" : "s") \(tablespaces.joined(separator: ", ")) missing")
            hints.append(
                "create \(tablespaces.map { "CREATE TABLESPACE \"\($0)\" LOCATION '…'" }.joined(separator: "; "))")
        }
        if !roles.isEmpty && !server.mayCreateRoles {
            missing.append(
                "role\(roles.count == 1 ? "" : "s") \(roles.joined(separator: ", ")) missing, and this user may not create roles"
            )
            hints.append("create the roles first, or restore as a user with CREATEROLE (DATABASE_URL)")
        }
        if let privileges {
            missing.append(privileges.what)
            hints.append(privileges.fix)
        }
        guard missing.isEmpty else {
            return PreflightCheck(
                name, .fail,
                "the server lacks what the restore needs: " + missing.joined(separator: "; ")
                    + " (the backup itself is not at fault)", hint: hints.joined(separator: "; "))
        }
        let created =
            roles.isEmpty
            ? "" : "; the restore creates role\(roles.count == 1 ? "" : "s") \(roles.joined(separator: ", "))"
        return PreflightCheck(
            name, .ok,
            "\(needs.extensions.count) extension\(needs.extensions.count == 1 ? "" : "s"), "
                + "\(needs.roles.count) role\(needs.roles.count == 1 ? "" : "s") and "
                + "\(needs.tablespaces.count) tablespace\(needs.tablespaces.count == 1 ? "" : "s") needed, all here\(created)"
        )
    }

    /// What the restoring user may not do that this restore does: create a database (every
    /// mode but a table copy into the live one creates one: the scratch copy, the new live
    /// one) and, for an in-place restore, drop the live one (its owner or a superuser only).
    func missingPrivileges(_ subject: PreflightSubject, _ server: ServerFacts) -> (what: String, fix: String)? {
        let user = server.user.isEmpty ? "the database user" : "user \(server.user)"
        if !server.mayCreateDatabases {
            return (
                "\(user) may not create databases (no CREATEDB), and this restore creates one",
                "ALTER ROLE \(server.user.isEmpty ? "…" : Connection.quoteIdentifier(server.user)) CREATEDB (as a superuser), "
                    + "or restore as a user with CREATEDB (DATABASE_URL)"
            )
        }
        if subject.serverWork == .replace, server.targetExists, !server.isSuperuser, !server.ownsTarget {
            return (
                "\(user) may not drop \(subject.target): it belongs to \(server.targetOwner ?? "another role")",
                "restore as \(server.targetOwner ?? "its owner") or a superuser (DATABASE_URL), or use the safe mode"
            )
        }
        return nil
    }
}
