import Foundation

/// How the protected cluster itself is stopped and started around a physical restore
/// (LIFEBOAT_PG_SERVICE): `pg_ctl` on LIFEBOAT_PG_DATA as LIFEBOAT_PG_USER, a `systemd` unit,
/// or the operator's own commands. Checked with the rest of the engine's configuration so a
/// mistake shows in `lifeboat engine check`, not in the middle of an incident.
public enum PostgresServiceSettings: Sendable, Equatable {
    /// `bin`: the folder holding pg_ctl; nil finds the newest under /usr/lib/postgresql.
    case pgCtl(bin: String?)
    case systemd(unit: String)
    case command(start: String, stop: String)

    public var name: String {
        switch self {
        case .pgCtl: return "pg_ctl"
        case .systemd: return "systemd"
        case .command: return "command"
        }
    }

    public static func configured(_ configuration: LifeboatConfiguration) throws -> PostgresServiceSettings {
        let raw = (configuration.string(.pgService) ?? "pg_ctl").trimmingCharacters(in: .whitespaces).lowercased()
        switch raw {
        case "pg_ctl", "pgctl":
            let bin = configuration.string(.pgBin)
            if let bin, !FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl") {
                throw LifeboatError(
                    stage: "configuration", message: "LIFEBOAT_PG_BIN is '\(bin)', which holds no executable pg_ctl",
                    hint:
                        "set LIFEBOAT_PG_BIN to the server's bin folder (Debian: /usr/lib/postgresql/15/bin), or unset it",
                    category: .configuration)
            }
            return .pgCtl(bin: bin)
        case "systemd":
            guard let unit = configuration.string(.pgSystemdUnit) else {
                throw LifeboatError(
                    stage: "configuration",
                    message: "LIFEBOAT_PG_SERVICE is systemd but LIFEBOAT_PG_SYSTEMD_UNIT is not set",
                    hint: "set LIFEBOAT_PG_SYSTEMD_UNIT to the cluster's unit (Debian: postgresql@15-main)",
                    category: .configuration)
            }
            return .systemd(unit: unit)
        case "command":
            let start = configuration.string(.pgStartCommand), stop = configuration.string(.pgStopCommand)
            guard let start, let stop else {
                let missing = [
                    start == nil ? "LIFEBOAT_PG_START_COMMAND" : nil, stop == nil ? "LIFEBOAT_PG_STOP_COMMAND" : nil
                ]
                .compactMap { $0 }.joined(separator: " and ")
                throw LifeboatError(
                    stage: "configuration",
                    message:
                        "LIFEBOAT_PG_SERVICE is command but \(missing) \(missing.contains(" and ") ? "are" : "is") not set",
                    hint: "set both commands (they run with /bin/sh -c), or use LIFEBOAT_PG_SERVICE=pg_ctl or systemd",
                    category: .configuration)
            }
            return .command(start: start, stop: stop)
        default:
            throw configuration.invalid(.pgService, raw, "pg_ctl, systemd or command")
        }
    }

    /// The pg_ctl to use: LIFEBOAT_PG_BIN's, else the newest Debian-style installation.
    public static func pgCtlPath(bin: String?, searchRoot: String = "/usr/lib/postgresql") -> String? {
        if let bin { return bin + "/pg_ctl" }
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: searchRoot)) ?? []).compactMap(Int.init)
            .sorted(by: >)
        return majors.map { "\(searchRoot)/\($0)/bin/pg_ctl" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
