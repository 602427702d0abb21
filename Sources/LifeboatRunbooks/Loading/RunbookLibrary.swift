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
            throw RunbookInvalid(issues: [
                RunbookIssue(
                    SourceLocation(file: directory.path, line: 1, column: 1),
                    "no runbook folder here: set LIFEBOAT_RUNBOOKS_DIR or use --dir")
            ])
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map {
            directory.appendingPathComponent($0)
        }
    }

    /// A name (`recent-corruption`) or a path to a file. A name that matches neither
    /// `NAME.yaml` nor `NAME.yml` throws `RunbookNotFound`, which lists the folder's runbooks.
    public func url(for name: String) throws -> URL {
        if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") { return URL(fileURLWithPath: name) }
        for suffix in [".yaml", ".yml"] {
            let file = directory.appendingPathComponent(name + suffix)
            if FileManager.default.fileExists(atPath: file.path) { return file }
        }
        let available = ((try? files()) ?? []).map { $0.deletingPathExtension().lastPathComponent }
        throw RunbookNotFound(name: name, directory: directory.path, available: available)
    }

    /// Loads and validates; throws `RunbookInvalid` with every issue.
    public func load(_ name: String) throws -> Runbook {
        try Self.loadValidated(try url(for: name))
    }

    public static func loadValidated(_ url: URL) throws -> Runbook {
        let runbook = try RunbookLoader().load(url)
        let issues = RunbookValidator().validate(runbook)
        if !issues.isEmpty { throw RunbookInvalid(issues: issues) }
        return runbook
    }
}
