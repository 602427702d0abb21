/// How a `shell` step's `${…}` values go into its command: as data, never as shell code.
///
/// A value comes from an input, a step's output or the environment; an output can hold text an
/// attacker chose (a table name, a backup name from the bucket). Pasted in raw, `$(…)`, `;` or a
/// quote in it would run. So each value is quoted for where it lands: bare words get single
/// quotes, inside '…' a quote is closed, escaped and reopened, inside "…" the four characters
/// that stay special there are escaped. The quote state is read from the literal text before the
/// value with POSIX sh's rules for quotes and backslashes; `$(…)` and backquotes inside double
/// quotes are not followed (write the value outside them, or in its own double quotes).
enum ShellQuoting {
    enum Context: Equatable { case bare, single, double }

    /// The quote state after `text`, starting in `context`.
    static func context(after text: String, from context: Context) -> Context {
        var state = context
        var escaped = false
        for char in text {
            if escaped { escaped = false; continue }
            switch (state, char) {
            case (.bare, "\\"), (.double, "\\"): escaped = true
            case (.bare, "'"): state = .single
            case (.bare, "\""): state = .double
            case (.single, "'"), (.double, "\""): state = .bare
            default: break
            }
        }
        return state
    }

    /// `value` written so that the shell reads it back unchanged, in `context`.
    static func quote(_ value: String, in context: Context) -> String {
        switch context {
        case .bare:
            return "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        case .single:
            return value.replacingOccurrences(of: "'", with: #"'\''"#)
        case .double:
            var quoted = ""
            for char in value {
                if "\\$`\"".contains(char) { quoted.append("\\") }
                quoted.append(char)
            }
            return quoted
        }
    }
}

extension Template {
    /// Substitutes every reference with `resolve`'s text, quoted for a shell command line.
    func renderForShell(resolve: (Reference) throws -> String) rethrows -> String {
        var result = ""
        var context = ShellQuoting.Context.bare
        for part in parts {
            switch part {
            case .literal(let text):
                result += text
                context = ShellQuoting.context(after: text, from: context)
            case .reference(let reference):
                result += ShellQuoting.quote(try resolve(reference), in: context)
            }
        }
        return result
    }
}
