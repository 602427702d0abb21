import Configuration
import Foundation
import LifeboatPostgres

/// The effective configuration: for every key, its value and where it came from.
/// Precedence: command-line flag > environment > `.env` file > built-in default.
public struct LifeboatConfiguration: Sendable {
    public enum Origin: String, Sendable, Codable {
        case flag, environment, dotenv = ".env", `default`
    }

    public struct Resolved: Sendable {
        public let key: ConfigurationKey
        public let value: String?
        public let origin: Origin
    }

    public let resolved: [String: Resolved]
    /// The `.env` file that was read, if one existed.
    public let environmentFile: String?

    /// Loads from the three layers. `overrides` holds flag values under their variable names.
    public static func load(
        overrides: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        environmentFile: String? = nil
    ) async throws -> LifeboatConfiguration {
        // A file named explicitly (flag or LIFEBOAT_ENV_FILE) must exist; ./.env is optional.
        let named = environmentFile ?? environment["LIFEBOAT_ENV_FILE"]
        let path = named ?? ".env"
        let fileValues: [String: String]
        do {
            guard let loaded = try DotenvFile.load(path) else {
                if named != nil {
                    throw LifeboatError(
                        stage: "configuration", message: "the .env file \(path) does not exist",
                        hint: "check the path given with --env-file or LIFEBOAT_ENV_FILE",
                        category: .configuration)
                }
                return try resolve(layers: overrides, environment, [:], environmentFile: nil)
            }
            fileValues = loaded
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError(
                stage: "configuration", message: "cannot read the .env file \(path): \(error.localizedDescription)",
                hint: "check its permissions and that it is UTF-8 text", category: .configuration)
        }
        return try resolve(layers: overrides, environment, fileValues, environmentFile: path)
    }

    private static func resolve(
        layers overrides: [String: String], _ environment: [String: String], _ dotenv: [String: String],
        environmentFile: String?
    ) throws -> LifeboatConfiguration {
        let layers: [(Origin, EnvironmentVariablesProvider)] = [
            (.flag, EnvironmentVariablesProvider(environmentVariables: overrides)),
            (.environment, EnvironmentVariablesProvider(environmentVariables: environment)),
            (.dotenv, EnvironmentVariablesProvider(environmentVariables: dotenv))
        ]
        let reader = ConfigReader(providers: layers.map(\.1))
        var resolved: [String: Resolved] = [:]
        for key in ConfigurationKey.all {
            let value = reader.string(forKey: ConfigKey(key.name), isSecret: key.isSecret)
                .flatMap { $0.isEmpty && key.defaultValue != nil ? nil : $0 }
            let origin =
                value == nil
                ? .default
                : layers.first { (try? $0.1.environmentValue(forName: key.name)) != nil }?.0 ?? .default
            resolved[key.name] = Resolved(key: key, value: value ?? key.defaultValue, origin: origin)
        }
        // AWS_ENDPOINT_URL is the AWS tools' name for the same override.
        if resolved[ConfigurationKey.cloudEndpoint.name]?.value == nil,
            let endpoint = reader.string(forKey: "AWS_ENDPOINT_URL")
        {
            resolved[ConfigurationKey.cloudEndpoint.name] = Resolved(
                key: .cloudEndpoint, value: endpoint, origin: .environment)
        }
        return LifeboatConfiguration(resolved: resolved, environmentFile: environmentFile)
    }

    public func string(_ key: ConfigurationKey) -> String? {
        resolved[key.name]?.value.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func bool(_ key: ConfigurationKey) throws -> Bool {
        let raw = string(key) ?? key.defaultValue ?? "false"
        switch raw.lowercased() {
        case "1", "true", "yes", "on", "y", "t": return true
        case "0", "false", "no", "off", "n", "f": return false
        default: throw invalid(key, raw, "true or false")
        }
    }

    public func int(_ key: ConfigurationKey) throws -> Int? {
        guard let raw = string(key) else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw invalid(key, raw, "a whole number, 0 or more")
        }
        return value
    }

    /// A number that may have decimals (`0.5` GB, `0.05` s), 0 or more.
    public func decimal(_ key: ConfigurationKey) throws -> Double? {
        guard let raw = string(key) else { return nil }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
            throw invalid(key, raw, "a number, 0 or more (decimals allowed, e.g. 0.5)")
        }
        return value
    }

    /// The error for a value that does not parse, naming where it came from (secrets not shown).
    func invalid(_ key: ConfigurationKey, _ raw: String, _ expected: String) -> LifeboatError {
        let origin = resolved[key.name]?.origin ?? .default
        let shown = key.isSecret ? "(redacted)" : "'\(raw)'"
        return LifeboatError(
            stage: "configuration", message: "\(key.name) is \(shown) (from \(origin.rawValue)), expected \(expected)",
            hint: "fix \(key.name) in the environment, the .env file or the flag", category: .configuration)
    }

    // MARK: typed views used by the operations

    public var backupDirectory: URL { URL(fileURLWithPath: string(.backupDir) ?? "/backups") }
    /// LIFEBOAT_RUNBOOKS_DIR, relative to the working directory (`runbook --dir` overrides it).
    public var runbooksDirectory: URL {
        URL(fileURLWithPath: string(.runbooksDir) ?? ConfigurationKey.defaultRunbooksDirectory)
    }
    /// LIFEBOAT_STATE_DIR: run journals, locks, drill scratch folders. Its default is the key's,
    /// so no caller repeats the path.
    public var stateDirectory: URL { URL(fileURLWithPath: string(.stateDir) ?? ConfigurationKey.defaultStateDirectory) }
    public var databaseURL: String? { string(.databaseURL) }
    public var encryptionKey: String? { string(.encryptionKey) }
    public var gnupgHome: String? { string(.gnupgHome) }
    public var pgDumpPath: String? { string(.pgDumpPath) }
    /// BACKUP_SIGNING_KEY as a fingerprint (see `Fingerprints`).
    public func signingKey() throws -> String? { try Fingerprints.parse(self, .signingKey).first }
    /// BACKUP_TRUSTED_SIGNERS, or BACKUP_SIGNING_KEY alone when it is unset; empty: no checks.
    public func trustedSigners() throws -> [String] {
        let listed = try Fingerprints.parse(self, .trustedSigners)
        return listed.isEmpty ? try Fingerprints.parse(self, .signingKey) : listed
    }

    public func retentionLimits() throws -> RetentionPolicy {
        RetentionPolicy(limits: [
            .daily: try int(.retentionDaily),
            .weekly: try int(.retentionWeekly),
            .monthly: try int(.retentionMonthly),
            .manual: try int(.retentionManual)
        ])
    }

    /// Every key with a printable value: secrets redacted, passwords cut out of every URL.
    public func redactedEntries() -> [(key: ConfigurationKey, value: String, origin: Origin)] {
        ConfigurationKey.all.map { key in
            let entry = resolved[key.name]
            let value: String
            if let raw = entry?.value, !raw.isEmpty {
                if key.isSecret {
                    value = "(set, redacted)"
                } else if key.isURL {
                    value = ConnectionString.redacted(raw)
                } else {
                    value = raw
                }
            } else {
                value = "(unset)"
            }
            return (key, value, entry?.origin ?? .default)
        }
    }
}
