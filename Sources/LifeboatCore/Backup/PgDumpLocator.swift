import Foundation

/// Finds a pg_dump that can dump the server: pg_dump refuses servers newer than itself, and
/// an operator mid-incident should hear which package fixes that, not pg_dump's raw refusal.
public struct PgDumpLocator: Sendable {
    public struct Found: Sendable {
        public let path: String
        /// e.g. "15.18"
        public let version: String
        public let major: Int
    }

    public var override: String?
    /// Where Debian and Ubuntu install each major version's client programs.
    public var searchRoot = "/usr/lib/postgresql"

    public init(override: String? = nil) {
        self.override = override
    }

    /// The pg_dump for a server of major version `serverMajor`.
    public func locate(serverMajor: Int, program: String = "pg_dump") throws -> Found {
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
                stage: program, message: "\(tooOld.path) is version \(tooOld.version), older than the server (\(serverMajor))",
                hint: "install \(package) (apt-get install \(package)) or set PG_DUMP_PATH to a \(program) of version \(serverMajor) or newer",
                category: .configuration)
        }
        throw LifeboatError(
            stage: program, message: override.map { "PG_DUMP_PATH \($0) is not an executable \(program)" } ?? "no \(program) found",
            hint: "install \(package) (apt-get install \(package)) or set PG_DUMP_PATH", category: .configuration)
    }

    /// Runs `PATH --version` and reads "pg_dump (PostgreSQL) 15.18 ...".
    static func version(of path: String) throws -> Found {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try ChildProcess.start(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: "(PostgreSQL) ") else {
            throw LifeboatError(stage: "pg_dump", message: "\(path) --version printed '\(text)'")
        }
        let version = String(text[range.upperBound...].prefix { !$0.isWhitespace })
        let major = Int(version.prefix { $0.isNumber }) ?? 0
        return Found(path: path, version: version, major: major)
    }
}
