import Foundation

/// Reads a `.env` file the way operators write them (and the seed's examples do):
/// `# comments`, blank lines, `export NAME=value`, single quotes (literal), double quotes
/// (with \n, \", \\ escapes), and trailing ` # comments` after unquoted values.
/// swift-configuration's own .env reader keeps quotes and comments as part of the value, which
/// would turn the seed's `BACKUP_COMPRESSION_ENABLED=True   # Reduces size` into an error.
public enum DotenvFile {
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("export ") {
                line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces)
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            values[name] = value(String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
        }
        return values
    }

    static func value(_ raw: String) -> String {
        guard let first = raw.first, first == "'" || first == "\"" else {
            // Unquoted: a " #" starts a comment.
            if let comment = raw.range(of: " #") ?? raw.range(of: "\t#") {
                return raw[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            return raw
        }
        var result = ""
        var escaped = false
        for character in raw.dropFirst() {
            if first == "\"" && escaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaped = false
            } else if first == "\"" && character == "\\" {
                escaped = true
            } else if character == first {
                return result
            } else {
                result.append(character)
            }
        }
        return result  // unterminated quote: take the rest as written
    }

    /// Reads and parses `path`; nil when the file does not exist.
    public static func load(_ path: String) throws -> [String: String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        // Read through a handle so that special files such as /dev/null work too.
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoPermission)
        }
        defer { try? handle.close() }
        return parse(String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self))
    }
}
