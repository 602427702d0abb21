// `${...}` references and the strings (templates) that embed them.

/// One `${...}` reference in a runbook. Parsing it once, into a closed set of cases, lets the
/// validator check every reference against known inputs and upstream steps before anything runs,
/// instead of discovering a typo at 3 a.m. halfway through a restore.
public enum Reference: Sendable, Hashable, CustomStringConvertible {
    /// `inputs.<name>`: a runbook input.
    case input(String)
    /// `steps.<id>.outputs.<name>`: an output of an earlier step.
    case stepOutput(step: String, output: String)
    /// `env.<NAME>`: an environment variable of the running process.
    case env(String)
    /// `run.id`: the identifier of the current run.
    case runID

    /// The text between `${` and `}`, e.g. `steps.pick.outputs.name`.
    public var path: String {
        switch self {
        case .input(let name): "inputs.\(name)"
        case .stepOutput(let step, let output): "steps.\(step).outputs.\(output)"
        case .env(let name): "env.\(name)"
        case .runID: "run.id"
        }
    }

    /// The step a reference depends on, so the validator can check it is upstream.
    public var stepID: String? {
        if case .stepOutput(let step, _) = self { step } else { nil }
    }

    /// As written in a runbook, e.g. `${inputs.db}`, so messages quote what the user typed.
    public var description: String { "${\(path)}" }

    /// Parses the inside of `${...}` (surrounding spaces allowed). Thrown errors are
    /// `ReferenceError`s whose offset counts characters from the start of `text`.
    public static func parse(_ text: String) throws -> Reference {
        let chars = Array(text)
        var start = 0
        var end = chars.count
        while start < end, chars[start].isWhitespace { start += 1 }
        while end > start, chars[end - 1].isWhitespace { end -= 1 }
        guard start < end else {
            throw ReferenceError(.emptyReference, "empty reference '${}'", offset: 0)
        }

        // Split on dots, remembering where each segment starts for precise offsets.
        var segments: [(name: String, offset: Int)] = []
        var segmentStart = start
        for index in start...end where index == end || chars[index] == "." {
            segments.append((String(chars[segmentStart..<index]), segmentStart))
            segmentStart = index + 1
        }
        let root = segments[0]
        switch root.name {
        case "inputs":
            let name = try segment(1, of: segments, expected: "inputs.<name>", end: end)
            try expectCount(2, segments, expected: "inputs.<name>")
            return .input(name)
        case "steps":
            let shape = "steps.<id>.outputs.<name>"
            let step = try segment(1, of: segments, expected: shape, end: end)
            let keyword = try segment(2, of: segments, expected: shape, end: end)
            guard keyword == "outputs" else {
                throw ReferenceError(
                    .malformedPath, "expected 'outputs' after 'steps.\(step)', found '\(keyword)' (write \(shape))",
                    offset: segments[2].offset)
            }
            let output = try segment(3, of: segments, expected: shape, end: end)
            try expectCount(4, segments, expected: shape)
            return .stepOutput(step: step, output: output)
        case "env":
            let name = try segment(1, of: segments, expected: "env.<NAME>", end: end, allowHyphen: false)
            try expectCount(2, segments, expected: "env.<NAME>")
            return .env(name)
        case "run":
            let field = try segment(1, of: segments, expected: "run.id", end: end)
            guard field == "id" else {
                throw ReferenceError(
                    .malformedPath, "unknown run field '\(field)'; only run.id exists", offset: segments[1].offset)
            }
            try expectCount(2, segments, expected: "run.id")
            return .runID
        default:
            if root.name.isEmpty {
                throw ReferenceError(.malformedPath, "reference starts with '.'; expected a name", offset: root.offset)
            }
            if let bad = root.name.firstIndex(where: { !isIdentifierCharacter($0, allowHyphen: true) }) {
                let char = root.name[bad]
                throw ReferenceError(
                    .invalidCharacter, "invalid character '\(char)' in reference",
                    offset: root.offset + root.name.distance(from: root.name.startIndex, to: bad))
            }
            throw ReferenceError(
                .unknownRoot,
                "unknown reference '\(root.name)'; references start with inputs., steps., env. or run.",
                offset: root.offset)
        }
    }

    /// Returns segment `index`, checking it exists and is a valid name.
    private static func segment(
        _ index: Int, of segments: [(name: String, offset: Int)], expected shape: String, end: Int,
        allowHyphen: Bool = true
    ) throws -> String {
        guard index < segments.count else {
            throw ReferenceError(.malformedPath, "incomplete reference; expected \(shape)", offset: end)
        }
        let (name, offset) = segments[index]
        guard !name.isEmpty else {
            throw ReferenceError(.malformedPath, "empty name in reference; expected \(shape)", offset: offset)
        }
        if let bad = name.firstIndex(where: { !isIdentifierCharacter($0, allowHyphen: allowHyphen) }) {
            throw ReferenceError(
                .invalidCharacter, "invalid character '\(name[bad])' in reference",
                offset: offset + name.distance(from: name.startIndex, to: bad))
        }
        return name
    }

    private static func expectCount(
        _ count: Int, _ segments: [(name: String, offset: Int)], expected shape: String
    ) throws {
        guard segments.count > count else { return }
        throw ReferenceError(
            .malformedPath, "unexpected '.\(segments[count].name)'; expected \(shape)",
            offset: segments[count].offset - 1)
    }

    /// Names are ASCII letters, digits, `_` and (except environment variables) `-`,
    /// which covers step ids like `stop-services` without admitting operators.
    private static func isIdentifierCharacter(_ char: Character, allowHyphen: Bool) -> Bool {
        guard char.isASCII else { return false }
        return char.isLetter || char.isNumber || char == "_" || (allowHyphen && char == "-")
    }
}

/// Why a reference or template did not parse, and where: `offset` counts characters
/// (not bytes) from the start of the string that was parsed, so the validator can add it
/// to the YAML scalar's column.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An extensible code, so new kinds of failure do not break callers that switch on it.
    public struct Code: Sendable, Hashable {
        public let name: String
        public static let unterminated = Code(name: "unterminated")
        public static let emptyReference = Code(name: "emptyReference")
        public static let unknownRoot = Code(name: "unknownRoot")
        public static let malformedPath = Code(name: "malformedPath")
        public static let invalidCharacter = Code(name: "invalidCharacter")
    }

    public let code: Code
    public let message: String
    /// Zero-based character offset of the problem.
    public let offset: Int
    /// One-based column, for messages.
    public var column: Int { offset + 1 }

    public init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    /// The same error, moved `distance` characters to the right (used when the parsed text
    /// sits inside a larger string).
    public func shifted(by distance: Int) -> ReferenceError {
        ReferenceError(code, message, offset: offset + distance)
    }

    public var description: String { "\(message) at column \(column)" }
}

/// A string with embedded references, e.g. `restore ${steps.pick.outputs.name} into ${inputs.db}`.
///
/// `${` always starts a reference and there is no escape for it: no action parameter needs a
/// literal `${`, and one rule is easier to remember under pressure than an escaping scheme.
/// A `$` not followed by `{` is an ordinary character.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case reference(Reference)
    }

    /// Literal runs are merged and never empty, so equal texts give equal parts.
    public let parts: [Part]

    public init(parts: [Part]) {
        var merged: [Part] = []
        for part in parts {
            switch (merged.last, part) {
            case (_, .literal("")):
                continue
            case (.literal(let previous), .literal(let next)):
                merged[merged.count - 1] = .literal(previous + next)
            default:
                merged.append(part)
            }
        }
        self.parts = merged
    }

    /// Parses `text`; thrown errors are `ReferenceError`s with offsets into `text`.
    public static func parse(_ text: String) throws -> Template {
        let chars = Array(text)
        var parts: [Part] = []
        var literal = ""
        var index = 0
        while index < chars.count {
            guard chars[index] == "$", index + 1 < chars.count, chars[index + 1] == "{" else {
                literal.append(chars[index])
                index += 1
                continue
            }
            guard let close = chars[(index + 2)...].firstIndex(of: "}") else {
                throw ReferenceError(.unterminated, "unterminated '${' (missing '}')", offset: index)
            }
            let inner = String(chars[(index + 2)..<close])
            do {
                parts.append(.literal(literal))
                parts.append(.reference(try Reference.parse(inner)))
            } catch let error as ReferenceError {
                throw error.shifted(by: index + 2)
            }
            literal = ""
            index = close + 1
        }
        parts.append(.literal(literal))
        return Template(parts: parts)
    }

    /// Every distinct reference, in order of first appearance.
    public var references: [Reference] {
        var seen: Set<Reference> = []
        return parts.compactMap { part in
            guard case .reference(let reference) = part, seen.insert(reference).inserted else { return nil }
            return reference
        }
    }

    /// The reference when the whole template is exactly one `${...}`, so a typed value
    /// (an int input, a bool output) can pass through without becoming a string.
    public var singleReference: Reference? {
        if parts.count == 1, case .reference(let reference) = parts[0] { reference } else { nil }
    }

    /// Substitutes every reference with `resolve`'s text.
    public func render(resolve: (Reference) throws -> String) rethrows -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .reference(let reference): result += try resolve(reference)
            }
        }
        return result
    }

    /// The template as written (normalised), e.g. for plan output.
    public var description: String {
        render { $0.description }
    }
}

extension Reference {
    /// Why `${env.NAME}` is refused for a secret setting: a value put into a step lands in the
    /// journal, the report and child processes' command lines.
    static func secretEnvironmentMessage(_ name: String) -> String {
        "${env.\(name)} would read a secret (\(name)) into the run, where the journal, reports and commands would show it; "
            + "actions use the secrets they need themselves: remove the reference"
    }
}
