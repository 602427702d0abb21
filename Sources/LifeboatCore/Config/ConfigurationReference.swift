/// The settings table of docs/configuration.md, made from `ConfigurationKey.all` so the page
/// cannot drift from what Lifeboat reads; `lifeboat docs configuration` prints it.
public enum ConfigurationReference {
    public static func markdown() -> String {
        var lines = [
            "| variable | default | meaning |",
            "|---|---|---|"
        ]
        for key in ConfigurationKey.all {
            // The page's longer text (Markdown already) where there is one, else the declaration.
            let value = declaredDefault(key)
            if let reference = key.reference {
                lines.append("| `\(key.name)` | \(reference.defaultValue ?? cell(value)) | \(reference.meaning) |")
                continue
            }
            var meaning = key.summary
            if key.isSecret { meaning += " (secret)" }
            lines.append("| `\(key.name)` | \(cell(value)) | \(cell(meaning)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The default column as the declaration gives it: the value in backticks, "empty" or "unset".
    static func declaredDefault(_ key: ConfigurationKey) -> String {
        key.defaultValue.map { $0.isEmpty ? "empty" : "`\($0)`" } ?? "unset"
    }

    /// A table cell: a `|` would end it early.
    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
