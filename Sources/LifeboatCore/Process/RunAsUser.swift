import Foundation

/// Runs a program as another OS user when it must be: pgBackRest and pg_ctl refuse to run as
/// root, and the data directory and WAL archive belong to the cluster's owner (`postgres`).
/// As root that is `runuser -u USER --` (util-linux, no password, no PAM prompt); as another
/// user `sudo -n -u USER --`, which fails at once instead of asking for a password; as that
/// user already, the program runs as it is.
public struct RunAsUser: Sendable, Equatable {
    /// The OS user the program runs as.
    public let user: String

    public init(user: String) {
        self.user = user
    }

    /// `LIFEBOAT_PG_USER`, else `postgres` when we are root, else ourselves.
    public static func configured(_ configuration: LifeboatConfiguration) throws -> RunAsUser {
        let user = configuration.string(.pgUser) ?? (getuid() == 0 ? "postgres" : currentUser)
        guard getpwnam(user) != nil else {
            throw LifeboatError(
                stage: "configuration", message: "LIFEBOAT_PG_USER is '\(user)', which is not a user on this machine",
                hint: "set LIFEBOAT_PG_USER to the OS user that owns the PostgreSQL data directory (usually postgres)",
                category: .configuration)
        }
        return RunAsUser(user: user)
    }

    static var currentUser: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }

    /// True when the program can run directly, without changing user.
    public var isCurrentUser: Bool { user == Self.currentUser }

    /// `argv` wrapped so that it runs as `user`.
    public func wrap(_ argv: [String]) -> [String] {
        if isCurrentUser { return argv }
        if geteuid() == 0 { return [Self.runuserPath, "-u", user, "--"] + argv }
        return ["sudo", "-n", "-u", user, "--"] + argv
    }

    /// runuser lives in /usr/sbin or /sbin, which are not on every PATH.
    static var runuserPath: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"
    }
}
