import ArgumentParser
import Foundation
import LifeboatCore

/// lifeboat(1), in roff (man's `-man` macros), made from the same help screens as
/// docs/commands.md and from `ExitStatus`, so `make install` never ships a stale page.
enum ManualPage {
    /// Narrower than the Markdown page: man indents the text, and an 80-column terminal must
    /// not wrap the no-fill blocks.
    static let manColumns = 72

    static func roff() -> String {
        let root = Lifeboat.configuration
        var lines = [
            ".TH LIFEBOAT 1 \"\" \"lifeboat \(LifeboatVersion.current)\" \"User Commands\"",
            ".SH NAME",
            "lifeboat \\- " + escape(root.abstract),
            ".SH SYNOPSIS",
            ".B lifeboat",
            ".I command",
            "[\\fIoptions\\fR]",
            ".SH DESCRIPTION",
            escape(root.discussion),
            ".PP",
            "Each command's options follow; \\fBlifeboat help\\fR \\fIcommand\\fR prints the same text.",
            ".SH COMMANDS"
        ]
        for entry in CommandReference.entries() {
            lines += [".SS " + escape(entry.name), escape(entry.abstract), ".PP", ".nf"]
            lines += CommandReference.help(entry.type, columns: manColumns).split(
                separator: "\n", omittingEmptySubsequences: false
            ).map { escape(String($0)) }
            lines.append(".fi")
        }
        lines.append(".SH EXIT STATUS")
        for status in ExitStatus.allCases {
            lines += [".TP", ".B \(status.rawValue)", escape(status.summary)]
        }
        lines += [".PP", "\\fBlifeboat diff\\fR answers like diff(1):"]
        for status in DiffExitStatus.allCases {
            lines += [".TP", ".B \(status.rawValue)", escape(status.summary)]
        }
        lines += [".SH SEE ALSO", "pg_dump(1), psql(1), gpg(1); README.md and docs/ in the Lifeboat source tree.", ""]
        return lines.joined(separator: "\n")
    }

    /// Text as roff reads it literally: a backslash is roff's escape, a line that starts with `.`
    /// or `'` would be read as a request, and characters beyond ASCII need their escape.
    static func escape(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // groff reads its input as Latin-1 (or ASCII): anything else goes as a \[uXXXX] escape.
            let escaped = line.replacingOccurrences(of: "\\", with: "\\e").unicodeScalars.map { scalar in
                scalar.isASCII ? String(scalar) : "\\[u" + String(format: "%04X", scalar.value) + "]"
            }.joined()
            return escaped.hasPrefix(".") || escaped.hasPrefix("'")
                ? "\\&" + escaped : (escaped.isEmpty ? ".sp" : escaped)
        }.joined(separator: "\n")
    }
}
