import Foundation

/// Finds a PostgreSQL client program (pg_dump, psql) at least as new as the server: pg_dump
/// refuses servers newer than itself, a newer server's dump may need a newer psql, and an
/// operator mid-incident should hear which package fixes that, not the program's raw refusal.
public struct ClientProgramLocator: Sendable {
    public struct Found: Sendable {
        public let path: String
        /// e.g. "15.18"
        public let version: String
        public let major: Int
    }

    /// "pg_dump" or "psql".
    public let program: String
    /// An explicit path from configuration (PG_DUMP_PATH, PSQL_PATH).
    public var override: String?
    /// Where Debian and Ubuntu install each major version's client programs.
    public var searchRoot = "/usr/lib/postgresql"

    public init(program: String, override: String? = nil) {
        self.program = program
        self.override = override
    }

    public static func pgDump(_ configuration: LifeboatConfiguration) -> ClientProgramLocator {
        ClientProgramLocator(program: "pg_dump", override: configuration.string(.pgDumpPath))
    }

    public static func psql(_ configuration: LifeboatConfiguration) -> ClientProgramLocator {
        ClientProgramLocator(program: "psql", override: configuration.string(.psqlPath))
    }

    private var overrideName: String { program == "psql" ? "PSQL_PATH" : "PG_DUMP_PATH" }

    /// The program for a server of major version `serverMajor`.
    public func locate(serverMajor: Int) throws -> Found {
        var candidates: [String] = []
        if let override {
            candidates = [override]
        } else {
            candidates.append("\(searchRoot)/\(serverMajor)/bin/\(program)")
            let majors = ((try? FileManager.default.contentsOfDirectory(atPath: searchRoot)) ?? [])
                .compactMap(Int.init).filter { $0 > serverMajor }.sorted()
            candidates += majors.map { "\(searchRoot)/\($0)/bin/\(program)" }
            candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
                .split(separator: ":").map { "\($0)/\(program)" }
        }
        var tooOld: Found?
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            guard let found = try? Self.version(of: path) else { continue }
            if found.major >= serverMajor { return found }
            tooOld = tooOld ?? found
        }
        let package = "postgresql-client-\(serverMajor)"
        if let tooOld {
            throw LifeboatError(
                stage: program,
                message: "\(tooOld.path) is version \(tooOld.version), older than the server (\(serverMajor))",
                hint:
                    "install \(package) (apt-get install \(package)) or set \(overrideName) to a \(program) of version \(serverMajor) or newer",
                category: .configuration)
        }
        throw LifeboatError(
            stage: program,
            message: override.map { "\(overrideName) \($0) is not an executable \(program)" } ?? "no \(program) found",
            hint: "install \(package) (apt-get install \(package)) or set \(overrideName)", category: .configuration)
    }

    /// Runs `PATH --version` and reads "pg_dump (PostgreSQL) 15.18 ..." (psql prints the same).
    static func version(of path: String) throws -> Found {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--version"]
        process.environment = ChildEnvironment.forPostgresTools(ProcessInfo.processInfo.environment)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try ChildProcess.start(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: "(PostgreSQL) ") else {
            throw LifeboatError(stage: "client", message: "\(path) --version printed '\(text)'")
        }
        let version = String(text[range.upperBound...].prefix { !$0.isWhitespace })
        let major = Int(version.prefix { $0.isNumber }) ?? 0
        return Found(path: path, version: version, major: major)
    }
}
