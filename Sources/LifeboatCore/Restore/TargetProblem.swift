import Foundation

/// psql failures whose cause is the server restored onto, not the backup: a missing extension
/// package, role or tablespace, or a restoring user without the privilege a statement needs.
/// `verify` would otherwise report "the backup is bad" and send the responder to an older
/// backup that fails the same way; these say what the target lacks and how to give it.
public enum TargetProblem {
    /// The error for psql's `message`, or nil when nothing in it points at the target.
    public static func diagnose(_ message: String, database: String) -> LifeboatError? {
        for rule in rules {
            guard let found = firstMatch(rule.pattern, in: message) else { continue }
            return LifeboatError(
                stage: "target",
                message: "the server cannot take this backup into \(database): \(rule.what(found)) "
                    + "(psql: \(found.whole)); the backup itself is not at fault",
                hint: rule.fix(found), category: .failed)
        }
        return nil
    }

    struct Match: Sendable {
        let whole: String
        let name: String
    }

    struct Rule: Sendable {
        let pattern: String
        let what: @Sendable (Match) -> String
        let fix: @Sendable (Match) -> String
    }

    static let rules: [Rule] = [
        Rule(
            pattern: #"could not open extension control file "[^"]*/([^/"]+)\.control""#,
            what: { "it lacks the extension \($0.name)" },
            fix: {
                "install the package that provides \($0.name) on the server (for contrib modules: apt-get install postgresql-contrib), then restore again"
            }),
        Rule(
            pattern: #"extension "([^"]+)" is not available"#,
            what: { "it lacks the extension \($0.name)" },
            fix: { "install the package that provides \($0.name) on the server, then restore again" }),
        Rule(
            pattern: #"role "([^"]+)" does not exist"#,
            what: { "it has no role \($0.name)" },
            fix: {
                "create it (CREATE ROLE \"\($0.name)\" NOLOGIN), or restore as a user allowed to create roles: backups taken by this Lifeboat create the roles they need"
            }),
        Rule(
            pattern: #"tablespace "([^"]+)" does not exist"#,
            what: { "it has no tablespace \($0.name)" },
            fix: { "create it (CREATE TABLESPACE \"\($0.name)\" LOCATION '…'), then restore again" }),
        Rule(
            pattern:
                #"permission denied to (create role|create extension "[^"]*"|create database|set parameter "[^"]*")"#,
            what: { "the restoring user may not \($0.name)" },
            fix: { _ in
                "restore as a user that may (a superuser, or one with CREATEROLE / CREATEDB as the message says): set DATABASE_URL accordingly"
            }),
        Rule(
            pattern: #"must be superuser to (create|alter) ([a-z ]+)"#,
            what: { "the restoring user is not a superuser (\($0.name))" },
            fix: { _ in "restore as a superuser (DATABASE_URL), or install the objects that need one beforehand" })
    ]

    private static func firstMatch(_ pattern: String, in text: String) -> Match? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
            let result = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let whole = Range(result.range, in: text)
        else { return nil }
        let group = result.numberOfRanges > 1 ? Range(result.range(at: result.numberOfRanges - 1), in: text) : nil
        return Match(whole: String(text[whole]), name: group.map { String(text[$0]) } ?? "")
    }
}
