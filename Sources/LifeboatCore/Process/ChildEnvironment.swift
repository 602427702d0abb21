/// The one rule for what a child process inherits from Lifeboat's environment.
///
/// Lifeboat's own environment holds cloud keys, webhook and SMTP secrets and DATABASE_URL; a
/// child that inherits them keeps them for its whole life (a PITR drill's postmaster runs for
/// minutes, and its `/proc/PID/environ` is readable by its owner). So no child inherits by
/// default: each gets only what its kind of program needs.
public enum ChildEnvironment {
    /// Which rule a spawn point applies.
    public enum Program: Sendable {
        /// pg_dump, psql, pg_ctl/postgres, pgbackrest (and runuser/sudo in front of them).
        case postgresTools
        /// The operator's own configured commands.
        case operatorCommand
        /// gpgconf and the gpg-agent it starts (`GnuPGAgent`): the common variables and GNUPGHOME.
        case gnupg

        public func filter(_ environment: [String: String]) -> [String: String] {
            switch self {
            case .postgresTools: ChildEnvironment.forPostgresTools(environment)
            case .operatorCommand: ChildEnvironment.forOperatorCommands(environment)
            case .gnupg: environment.filter { name, _ in ChildEnvironment.isCommon(name) || name == "GNUPGHOME" }
            }
        }
    }

    /// Passed to every child: finding programs, the home folder, locale, time zone, temp files,
    /// who is running.
    static let commonNames: Set<String> = [
        "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "TERM"
    ]
    static let commonPrefixes = ["LC_"]

    /// PostgreSQL's programs (pg_dump, psql, pg_ctl, postgres) and pgBackRest: the common
    /// variables, libpq's PG* variables and pgBackRest's PGBACKREST_* options (its repository
    /// settings live there when not in pgbackrest.conf).
    public static func forPostgresTools(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in isCommon(name) || (!isSecret(name) && name.hasPrefix("PG")) }
    }

    static func isCommon(_ name: String) -> Bool {
        !isSecret(name) && (commonNames.contains(name) || commonPrefixes.contains { name.hasPrefix($0) })
    }

    /// The operator's own commands (services stop/start/health, `shell` steps, the
    /// LIFEBOAT_PG_SERVICE=command commands): these are the operator's programs and often need
    /// the operator's variables (DOCKER_HOST, COMPOSE_PROJECT_NAME, KUBECONFIG, a test's own
    /// variables), which no allow-list can know; so they get everything except what `isSecret`
    /// names. What a runbook wants a command to see it passes with `${…}`.
    public static func forOperatorCommands(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in !isSecret(name) }
    }

    /// Names a child never gets: every setting marked secret, the settings that carry a
    /// password in a URL, the cloud providers' credential variables. A setting Lifeboat declares
    /// as neither (AWS_REGION) is not one.
    public static func isSecret(_ name: String) -> Bool {
        if secretNames.contains(name) { return true }
        if declaredNames.contains(name) { return false }
        let upper = name.uppercased()
        if secretPrefixes.contains(where: { upper.hasPrefix($0) }) { return true }
        return false
    }

    /// Secret settings plus the URL settings whose password goes only where Lifeboat sends it
    /// (pg_dump and psql get DATABASE_URL's parts as PG* variables from `ClientEnvironment`).
    static let secretNames: Set<String> = Set(ConfigurationKey.all.filter(\.isSecret).map(\.name))
        .union(ConfigurationKey.all.filter(\.isURL).map(\.name))

    static let declaredNames: Set<String> = Set(ConfigurationKey.all.map(\.name))

    /// Whole families of credentials: AWS (keys, session tokens, profiles), Azure, Google Cloud.
    static let secretPrefixes = ["AWS_", "AZURE_", "GOOGLE_", "GCS_", "GCLOUD_", "CLOUDSDK_"]
}
