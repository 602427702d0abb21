import Foundation

/// A table as an operator names it on `--table` or in a runbook: either the plain form the
/// manifest and `list` print (`public.Order Items`, matched literally), or the SQL spelling
/// (`"Sales Dept"."Order Items"`, `public."ta""ble"`, `Film` meaning `film`). Both readings are
/// kept: the catalog decides which exist, and more than one table is an ambiguity to refuse,
/// never a silent pick.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    /// nil when the name has no schema part.
    public let schema: String?
    public let name: String

    public init(schema: String?, name: String) {
        self.schema = schema
        self.name = name
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name }

    /// The name as SQL writes it, every part quoted.
    public var quoted: String {
        [schema, name].compactMap { $0 }.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            .joined(separator: ".")
    }

    /// The SQL reading of `text` (PostgreSQL's rules: unquoted parts fold to lower case, `""`
    /// inside quotes is one quote, at most `schema.table`); nil when it does not parse as one.
    public static func sql(_ text: String) -> TableName? {
        var parts: [String] = []
        let characters = Array(text.trimmingCharacters(in: .whitespaces))
        var index = 0
        while true {
            var part = ""
            if index < characters.count, characters[index] == "\"" {
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "\"" {
                        if index + 1 < characters.count, characters[index + 1] == "\"" {
                            part.append("\"")
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    part.append(characters[index])
                    index += 1
                }
                guard closed, !part.isEmpty else { return nil }
            } else {
                while index < characters.count, characters[index] != ".", characters[index] != "\"" {
                    guard isIdentifierCharacter(characters[index], first: part.isEmpty) else { return nil }
                    part.append(characters[index])
                    index += 1
                }
                guard !part.isEmpty else { return nil }
                part = part.lowercased()
            }
            parts.append(part)
            if index == characters.count { break }
            guard characters[index] == "." else { return nil }
            index += 1
        }
        switch parts.count {
        case 1: return TableName(schema: nil, name: parts[0])
        case 2: return TableName(schema: parts[0], name: parts[1])
        default: return nil
        }
    }

    /// The plain readings of `text`: the whole text as a bare name, and each split at a dot
    /// into schema and name (a plain name may itself hold dots: `My Schema.T t`).
    public static func plain(_ text: String) -> [TableName] {
        var readings = [TableName(schema: nil, name: text)]
        for (offset, character) in text.enumerated() where character == "." {
            let split = text.index(text.startIndex, offsetBy: offset)
            readings.append(TableName(schema: String(text[..<split]), name: String(text[text.index(after: split)...])))
        }
        return readings
    }

    /// Every reading of `text`, plain first, without repeats.
    public static func readings(_ text: String) -> [TableName] {
        var seen = Set<TableName>()
        return (plain(text) + [sql(text)].compactMap { $0 }).filter { seen.insert($0).inserted }
    }

    /// Whether `schema.name` is one of the readings of `text`.
    public static func matches(_ text: String, schema: String, name: String) -> Bool {
        readings(text).contains { $0.name == name && ($0.schema == nil || $0.schema == schema) }
    }

    private static func isIdentifierCharacter(_ character: Character, first: Bool) -> Bool {
        if character == "_" || character.isLetter || (!character.isASCII && !character.isWhitespace) { return true }
        return !first && (character.isNumber || character == "$")
    }
}
