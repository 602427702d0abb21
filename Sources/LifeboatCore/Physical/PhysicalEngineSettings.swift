import Foundation

/// The physical engine's configuration (LIFEBOAT_PHYSICAL_ENGINE and the PGBACKREST_* /
/// LIFEBOAT_PG_* keys), checked once so every command reports a mistake the same way and
/// before anything runs.
public struct PhysicalEngineSettings: Sendable, Equatable {
    /// pgBackRest's stanza: the name its repository files the cluster under.
    public let stanza: String
    /// PGBACKREST_CONFIG; nil lets pgBackRest use its default file.
    public let configPath: String?
    /// The pgbackrest program: a name looked up on PATH, or a path.
    public let binary: String
    /// LIFEBOAT_PG_DATA: the cluster's data directory, when given.
    public let dataDirectory: String?
    /// The OS user pgbackrest and pg_ctl run as.
    public let runAs: RunAsUser
    /// WAL waiting longer than this to be archived makes the archive stale.
    public let walMaxAge: TimeInterval
    /// How the cluster is stopped and started (used by restores).
    public let service: PostgresServiceSettings

    public init(
        stanza: String, configPath: String?, binary: String = "pgbackrest", dataDirectory: String?,
        runAs: RunAsUser, walMaxAge: TimeInterval = 900, service: PostgresServiceSettings = .pgCtl(bin: nil)
    ) {
        self.stanza = stanza
        self.configPath = configPath
        self.binary = binary
        self.dataDirectory = dataDirectory
        self.runAs = runAs
        self.walMaxAge = walMaxAge
        self.service = service
    }

    /// nil when LIFEBOAT_PHYSICAL_ENGINE is off (the default); a configuration error for any
    /// value that cannot work.
    public static func configured(_ configuration: LifeboatConfiguration) throws -> PhysicalEngineSettings? {
        let engine = (configuration.string(.physicalEngine) ?? "off").lowercased()
        switch engine {
        case "off", "none", "false", "no", "0": return nil
        case "pgbackrest": break
        default: throw configuration.invalid(.physicalEngine, engine, "off or pgbackrest")
        }
        guard let stanza = configuration.string(.pgbackrestStanza) else {
            throw LifeboatError(
                stage: "configuration",
                message: "LIFEBOAT_PHYSICAL_ENGINE is pgbackrest but PGBACKREST_STANZA is not set",
                hint: "set PGBACKREST_STANZA to the stanza in pgbackrest.conf (`pgbackrest info` lists them)",
                category: .configuration)
        }
        // pgBackRest's own rule for stanza names; anything else would fail later, less clearly.
        guard stanza.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw configuration.invalid(.pgbackrestStanza, stanza, "a stanza name (letters, digits, -, _ and .)")
        }
        let configPath = configuration.string(.pgbackrestConfig)
        if let configPath {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: configPath, isDirectory: &isDirectory), !isDirectory.boolValue
            else {
                throw LifeboatError(
                    stage: "configuration", message: "PGBACKREST_CONFIG is '\(configPath)', which is not a file",
                    hint: "point PGBACKREST_CONFIG at the pgbackrest.conf that defines stanza '\(stanza)', "
                        + "or unset it to use pgBackRest's default (/etc/pgbackrest/pgbackrest.conf)",
                    category: .configuration)
            }
        }
        let dataDirectory = configuration.string(.pgData)
        if let dataDirectory, !dataDirectory.hasPrefix("/") {
            throw configuration.invalid(.pgData, dataDirectory, "an absolute path (e.g. /var/lib/postgresql/15/main)")
        }
        return PhysicalEngineSettings(
            stanza: stanza, configPath: configPath, binary: configuration.string(.pgbackrestBin) ?? "pgbackrest",
            dataDirectory: dataDirectory, runAs: try RunAsUser.configured(configuration),
            walMaxAge: try walMaxAge(configuration), service: try PostgresServiceSettings.configured(configuration))
    }

    /// The settings, or an error saying the engine is off (for commands that need it).
    public static func required(_ configuration: LifeboatConfiguration, for purpose: String) throws
        -> PhysicalEngineSettings
    {
        guard let settings = try configured(configuration) else {
            throw LifeboatError(
                stage: "configuration",
                message: "\(purpose) needs the physical engine, and LIFEBOAT_PHYSICAL_ENGINE is off",
                hint: "set LIFEBOAT_PHYSICAL_ENGINE=pgbackrest and PGBACKREST_STANZA (docs/physical.md)",
                category: .configuration)
        }
        return settings
    }

    static func walMaxAge(_ configuration: LifeboatConfiguration) throws -> TimeInterval {
        let raw = configuration.string(.walMaxAge) ?? "15m"
        guard let seconds = parseDuration(raw), seconds > 0 else {
            throw configuration.invalid(
                .walMaxAge, raw, "a duration above zero: seconds (900) or with a unit (90s, 15m, 1h)")
        }
        return seconds
    }

    /// "900", "90s", "15m", "1h", "1d" → seconds; nil for anything else.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            // "ms" comes first in `units`, so "15ms" is never read as "15m" followed by "s".
            let number = trimmed.dropLast(suffix.count)
            guard let value = Double(number), value.isFinite, value >= 0 else { continue }
            return value * factor
        }
        guard let value = Double(trimmed), value.isFinite, value >= 0 else { return nil }
        return value
    }
}
