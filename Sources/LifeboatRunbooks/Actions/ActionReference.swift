/// The action reference of docs/runbook-actions.md, made from `ActionCatalog.all` so the page
/// cannot drift from what the validator accepts; `lifeboat docs actions` prints it.
public enum ActionReference {
    public static func markdown() -> String {
        var lines: [String] = []
        for spec in ActionCatalog.all.sorted(by: { $0.name < $1.name }) {
            lines.append("### `\(spec.name)`")
            lines.append("")
            lines.append(spec.summary.prefix(1).uppercased() + spec.summary.dropFirst() + ".")
            lines.append("")
            lines.append(
                "Changes live systems: \(spec.changesLiveSystems ? "yes" : "no"). Safe to repeat on resume: \(spec.safeToRepeat ? "yes" : "no")."
            )
            lines.append("")
            if spec.parameters.isEmpty {
                lines.append("No parameters.")
            } else {
                lines.append("| parameter | type | required | meaning |")
                lines.append("|---|---|---|---|")
                for parameter in spec.parameters {
                    lines.append(
                        "| `\(parameter.name)` | \(cell(kind(parameter.kind))) | \(parameter.required ? "yes" : "no") | \(cell(parameter.summary)) |"
                    )
                }
            }
            lines.append("")
            lines.append(
                "Outputs: "
                    + (spec.outputs.isEmpty ? "none." : spec.outputs.map { "`\($0)`" }.joined(separator: ", ") + "."))
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    static func kind(_ kind: ActionSpec.ParameterKind) -> String {
        switch kind {
        case .string: "string"
        case .int: "integer"
        case .bool: "boolean"
        case .duration: "duration (e.g. 30s, 5m)"
        case .timestamp: "timestamp (ISO 8601)"
        case .timestampOrLatest: "timestamp, or `latest`"
        case .stringList: "list of strings"
        case .choice(let values): "one of " + values.map { "`\($0)`" }.joined(separator: ", ")
        }
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
