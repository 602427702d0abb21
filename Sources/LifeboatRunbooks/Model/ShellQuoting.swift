/// How a `shell` step's `${…}` values go into its command: as data, never as shell code.
///
/// A value comes from an input, a step's output or the environment; an output can hold text an
/// attacker chose (a table name, a backup name from the bucket). Pasted in raw, `$(…)`, `;` or a
/// quote in it would run. So each value is quoted for where it lands: bare words get single
/// quotes, inside '…' a quote is closed, escaped and reopened, inside "…" the four characters
/// that stay special there are escaped. Where it lands is read from the literal text before the
/// value with POSIX sh's rules for quotes, backslashes and command substitution (`$(…)` and
/// backquotes start a fresh quoting level, even inside "…", as in `"$(dirname "${x}")"`; inside
/// backquotes the value's `\`, `` ` `` and `$` are escaped once more per level).
enum ShellQuoting {
    enum Context: Equatable { case bare, single, double }

    /// The quoting levels open after some text: the innermost last.
    struct State: Equatable {
        enum Level: Equatable {
            case single, double
            /// `$(…)`, with the count of plain parentheses open inside it.
            case substitution(parentheses: Int)
            case backquote
        }

        var levels: [Level] = []

        /// Backquote levels around here: the shell strips one level of `\`, `` ` `` and `$`
        /// escapes per level before it reads the command inside.
        var backquotes: Int { levels.count { $0 == .backquote } }

        /// `value` written so that the shell reads it back unchanged here.
        func quote(_ value: String) -> String {
            var quoted = ShellQuoting.quote(value, in: context)
            for _ in 0..<backquotes {
                quoted = String(quoted.flatMap { "\\`$".contains($0) ? ["\\", $0] : [$0] })
            }
            return quoted
        }

        /// How a value is quoted here, inside any backquotes.
        var context: Context {
            switch levels.last {
            case .single: .single
            case .double: .double
            default: .bare
            }
        }

        /// The state after `text`.
        func after(_ text: String) -> State {
            var state = self
            let chars = Array(text)
            var index = 0
            while index < chars.count {
                let char = chars[index]
                let next = index + 1 < chars.count ? chars[index + 1] : nil
                index += 1
                switch (state.levels.last, char) {
                case (.single, "'"): state.levels.removeLast()
                case (.single, _): break
                case (_, "\\"): index += 1  // the next character is taken as it is
                case (.double, "\""): state.levels.removeLast()
                case (_, "$") where next == "(":
                    index += 1
                    state.levels.append(.substitution(parentheses: 0))
                case (.backquote, "`"): state.levels.removeLast()
                case (_, "`"): state.levels.append(.backquote)
                case (.double, _): break
                case (_, "'"): state.levels.append(.single)
                case (_, "\""): state.levels.append(.double)
                case (.substitution(let open), "("):
                    state.levels[state.levels.count - 1] = .substitution(parentheses: open + 1)
                case (.substitution(let open), ")"):
                    if open == 0 {
                        state.levels.removeLast()
                    } else {
                        state.levels[state.levels.count - 1] = .substitution(parentheses: open - 1)
                    }
                default: break
                }
            }
            return state
        }
    }

    /// The quoting context after `text`, starting in `context` (for tests and simple callers).
    static func context(after text: String, from context: Context) -> Context {
        let start: [State.Level] =
            switch context {
            case .bare: []
            case .single: [.single]
            case .double: [.double]
            }
        return State(levels: start).after(text).context
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
        var state = ShellQuoting.State()
        for part in parts {
            switch part {
            case .literal(let text):
                result += text
                state = state.after(text)
            case .reference(let reference):
                result += state.quote(try resolve(reference))
            }
        }
        return result
    }
}
