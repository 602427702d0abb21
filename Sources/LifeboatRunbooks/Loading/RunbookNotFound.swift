import LifeboatCore

/// A runbook name that names no file in the folder: says which runbooks there are and the
/// closest name, so a typo (`recent-corupt`) is one copy and paste from the right command.
public struct RunbookNotFound: ExitStatusError, CustomStringConvertible, Sendable {
    /// Nothing was attempted: the name is the mistake.
    public var exitStatus: ExitStatus { .configuration }
    public let name: String
    public let directory: String
    /// The names (without extension) of the `.yaml` and `.yml` files in the folder, sorted.
    public let available: [String]

    public init(name: String, directory: String, available: [String]) {
        self.name = name
        self.directory = directory
        self.available = available
    }

    /// The available name fewest edits away, when it is close enough to be a typo of `name`
    /// (at most a third of its letters changed) or starts with it.
    public var suggestion: String? {
        let scored = available.map { ($0, Self.editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        if best.1 <= max(2, name.count / 3) { return best.0 }
        return available.first { $0.hasPrefix(name) }
    }

    public var description: String {
        var text = "no runbook named '\(name)' in \(directory) (looked for \(name).yaml and \(name).yml)"
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        text +=
            available.isEmpty
            ? "\nthe folder holds no .yaml or .yml files: set LIFEBOAT_RUNBOOKS_DIR or use --dir"
            : "\nrunbooks here: " + available.joined(separator: ", ")
        return text
    }

    /// Levenshtein distance: insertions, deletions and substitutions each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
