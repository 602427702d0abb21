import Foundation

/// The folder of runbooks (`runbooks/` by default): lists them and loads one by name,
/// validated, so no caller can act on a runbook that has not passed the validator.
public struct RunbookLibrary {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func files() throws -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw RunbookInvalid(issues: [RunbookIssue(SourceLocation(file: directory.path, line: 1, column: 1),
                                                       "no runbook folder here: set LIFEBOAT_RUNBOOKS_DIR or use --dir")])
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// A name (`recent-corruption`) or a path to a file.
    public func url(for name: String) -> URL {
        if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") { return URL(fileURLWithPath: name) }
        let yaml = directory.appendingPathComponent(name + ".yaml")
        return FileManager.default.fileExists(atPath: yaml.path) ? yaml : directory.appendingPathComponent(name + ".yml")
    }

    /// Loads and validates; throws `RunbookInvalid` with every issue.
    public func load(_ name: String) throws -> Runbook {
        try Self.loadValidated(url(for: name))
    }

    public static func loadValidated(_ url: URL) throws -> Runbook {
        let runbook = try RunbookLoader().load(url)
        let issues = RunbookValidator().validate(runbook)
        if !issues.isEmpty { throw RunbookInvalid(issues: issues) }
        return runbook
    }
}
