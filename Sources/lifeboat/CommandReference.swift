import Foundation
import ArgumentParser

/// The command tree as documentation: docs/commands.md and the man page are made from the
/// parser's own help screens, so neither can say something `--help` does not.
enum CommandReference {
    /// One visible command and its place in the tree (`["runbook", "run"]`).
    struct Entry {
        let path: [String]
        let type: ParsableCommand.Type
        var name: String { (["lifeboat"] + path).joined(separator: " ") }
        var abstract: String { type.configuration.abstract }
    }

    /// A fixed width, so the checked-in page does not depend on the terminal that made it.
    static let columns = 100

    /// Every command a user can type, depth first in the order `--help` lists them.
    static func entries(_ root: ParsableCommand.Type = Lifeboat.self, path: [String] = []) -> [Entry] {
        root.configuration.subcommands.filter { $0.configuration.shouldDisplay }.flatMap { command in
            let here = path + [command._commandName]
            return [Entry(path: here, type: command)] + entries(command, path: here)
        }
    }

    static func help(_ type: ParsableCommand.Type, columns: Int = columns) -> String {
        Lifeboat.helpMessage(for: type, includeHidden: false, columns: columns)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.reversed().drop { $0 == " " }.reversed() }.map { String($0) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    /// The generated part of docs/commands.md: an index, then each command's `--help`.
    static func markdown() -> String {
        let all = entries()
        var lines = ["| command | what it does |", "|---|---|"]
        lines += all.map {
            "| [`\($0.name)`](#\(anchor($0.name))) | \($0.abstract.replacingOccurrences(of: "|", with: "\\|")) |"
        }
        lines.append("")
        for entry in [Entry(path: [], type: Lifeboat.self)] + all {
            lines += ["## \(entry.name)", "", "```", help(entry.type), "```", ""]
        }
        return lines.joined(separator: "\n")
    }

    /// GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped.
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().compactMap {
                $0 == " " ? "-" : ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : nil)
            })
    }
}
