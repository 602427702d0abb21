// The `when:` condition language: a parsed expression tree, its parser and its evaluator.

/// A step's `when:` condition, e.g. `${inputs.mode} == "full" && !${steps.check.outputs.ok}`.
///
/// It is parsed when the runbook is validated, so a typo is reported with its column long
/// before the step would run. The language is deliberately tiny (literals, references,
/// comparisons, `!`, `&&`, `||`, parentheses) because a condition in a disaster runbook must be
/// readable at a glance; anything cleverer belongs in a `sql.check` or `shell` step.
///
/// Precedence, tightest first: `!`, comparisons (not chainable), `&&`, `||`. Strings are single-
/// or double-quoted with `\\`, `\"` and `\'` as the only escapes; `${` inside quotes is refused
/// because quotes do not expand references and a quoted reference would silently never match.
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    case literal(Value)
    case reference(Reference)
    case not(Expression)
    case compare(ComparisonOperator, Expression, Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)

    /// A value an expression works on. References resolve to these (an int input to a number,
    /// a step output to a string, and so on).
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)

        /// The truth value, accepting the strings `"true"`/`"false"` too, since step outputs
        /// and environment variables only ever carry text.
        public var booleanValue: Bool? {
            switch self {
            case .bool(let value): value
            case .string("true"): true
            case .string("false"): false
            default: nil
            }
        }

        /// The numeric value, accepting strings that are plain decimals (`42`, `-1.5`), so that a
        /// row count output compares numerically with `1000`.
        public var numericValue: Double? {
            switch self {
            case .number(let value): value
            case .string(let text) where Self.isDecimal(text): Double(text)
            default: nil
            }
        }

        /// The text form: strings as they are, integral numbers without `.0`.
        public var text: String {
            switch self {
            case .string(let text): text
            case .bool(let value): value ? "true" : "false"
            case .number(let value):
                value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            }
        }

        /// As a literal in expression syntax (strings quoted), for messages and `description`.
        public var description: String {
            guard case .string(let text) = self else { return self.text }
            var quoted = "\""
            for char in text {
                if char == "\\" || char == "\"" { quoted.append("\\") }
                quoted.append(char)
            }
            return quoted + "\""
        }

        static func isDecimal(_ text: String) -> Bool {
            let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            let pieces = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            return pieces.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        }
    }

    public enum ComparisonOperator: String, Sendable, CaseIterable {
        case equal = "==", notEqual = "!=", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="

        var isOrdering: Bool { self != .equal && self != .notEqual }

        func holds<T: Comparable>(_ left: T, _ right: T) -> Bool {
            switch self {
            case .equal: left == right
            case .notEqual: left != right
            case .less: left < right
            case .greater: left > right
            case .lessOrEqual: left <= right
            case .greaterOrEqual: left >= right
            }
        }
    }

    /// Parses a `when:` condition; thrown errors are `ExpressionError`s with a column.
    public static func parse(_ text: String) throws -> Expression {
        var parser = try ExpressionParser(text)
        return try parser.parseWhole()
    }

    /// Every distinct reference, in order of first appearance, for the validator.
    public var references: [Reference] {
        var seen: Set<Reference> = []
        var result: [Reference] = []
        func walk(_ node: Expression) {
            switch node {
            case .literal: break
            case .reference(let reference): if seen.insert(reference).inserted { result.append(reference) }
            case .not(let operand): walk(operand)
            case .compare(_, let left, let right), .and(let left, let right), .or(let left, let right):
                walk(left)
                walk(right)
            }
        }
        walk(self)
        return result
    }

    /// Evaluates the condition. `&&` and `||` short-circuit, so `resolve` is not asked for a
    /// reference whose value cannot change the result (e.g. the output of a skipped step).
    /// Errors from `resolve` propagate unchanged; type problems throw `ExpressionError`.
    public func evaluate(resolve: (Reference) throws -> Value) throws -> Bool {
        try Self.truth(of: self, for: "a 'when' condition", resolve)
    }

    private static func value(of node: Expression, _ resolve: (Reference) throws -> Value) throws -> Value {
        switch node {
        case .literal(let value): value
        case .reference(let reference): try resolve(reference)
        case .not(let operand): .bool(!(try truth(of: operand, for: "'!'", resolve)))
        case .and(let left, let right):
            .bool(try truth(of: left, for: "'&&'", resolve) && truth(of: right, for: "'&&'", resolve))
        case .or(let left, let right):
            .bool(try truth(of: left, for: "'||'", resolve) || truth(of: right, for: "'||'", resolve))
        case .compare(let op, let left, let right):
            .bool(try compare(op, try value(of: left, resolve), try value(of: right, resolve)))
        }
    }

    private static func truth(
        of node: Expression, for user: String, _ resolve: (Reference) throws -> Value
    ) throws -> Bool {
        let value = try value(of: node, resolve)
        if let truth = value.booleanValue { return truth }
        let source = if case .reference(let reference) = node { " from \(reference)" } else { "" }
        throw ExpressionError(.notBoolean, "\(user) needs true or false, got \(value)\(source)")
    }

    /// Numbers compare numerically when both sides are numeric, booleans only for equality
    /// (so `${inputs.force} == true` works whether `force` is a bool or the text "true"),
    /// and everything else compares as text.
    static func compare(_ op: ComparisonOperator, _ left: Value, _ right: Value) throws -> Bool {
        if let x = left.numericValue, let y = right.numericValue { return op.holds(x, y) }
        switch (left, right) {
        case (.bool, _), (_, .bool):
            guard !op.isOrdering else {
                throw ExpressionError(.cannotCompare, "'\(op.rawValue)' cannot order \(left) and \(right)")
            }
            guard let x = left.booleanValue, let y = right.booleanValue else { return op == .notEqual }
            return op.holds(x ? 1 : 0, y ? 1 : 0)
        default:
            return op.holds(left.text, right.text)
        }
    }

    /// Canonical source text: nested binary operations are parenthesised, so the grouping the
    /// parser chose is visible (plan output, tests) and the text parses back to the same tree.
    public var description: String {
        func nested(_ node: Expression) -> String {
            switch node {
            case .compare, .and, .or: "(\(node))"
            default: node.description
            }
        }
        return switch self {
        case .literal(let value): value.description
        case .reference(let reference): reference.description
        case .not(let operand): "!\(nested(operand))"
        case .compare(let op, let left, let right): "\(nested(left)) \(op.rawValue) \(nested(right))"
        case .and(let left, let right): "\(nested(left)) && \(nested(right))"
        case .or(let left, let right): "\(nested(left)) || \(nested(right))"
        }
    }
}

/// Why a condition did not parse or evaluate. Parse errors carry the zero-based character
/// offset (`column` is one-based); evaluation errors have no position.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An extensible code, so new kinds of failure do not break callers that switch on it.
    public struct Code: Sendable, Hashable {
        public let name: String
        public static let syntax = Code(name: "syntax")
        public static let invalidReference = Code(name: "invalidReference")
        public static let notBoolean = Code(name: "notBoolean")
        public static let cannotCompare = Code(name: "cannotCompare")
    }

    public let code: Code
    public let message: String
    public let offset: Int?
    public var column: Int? { offset.map { $0 + 1 } }

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        column.map { "\(message) at column \($0)" } ?? message
    }
}

/// Recursive-descent parser over a token list; every token knows its offset for messages.
private struct ExpressionParser {
    enum Kind: Equatable {
        case leftParen, rightParen, not, and, or, end
        case compare(Expression.ComparisonOperator)
        case value(Expression)
    }

    struct Token {
        let kind: Kind
        let offset: Int
        let spelling: String
    }

    private let tokens: [Token]
    private var position = 0

    init(_ text: String) throws {
        var lexer = ExpressionLexer(text)
        tokens = try lexer.tokens()
    }

    private var current: Token { tokens[position] }

    mutating func parseWhole() throws -> Expression {
        guard current.kind != .end else {
            throw ExpressionError(.syntax, "empty expression", offset: 0)
        }
        let start = current.offset
        let expression = try parseOr()
        switch current.kind {
        case .end: break
        case .rightParen: throw syntax("unexpected ')'")
        default: throw syntax("expected an operator before '\(current.spelling)'")
        }
        try requireBoolean(expression, at: start, for: "a 'when' condition")
        return expression
    }

    private mutating func parseOr() throws -> Expression {
        let start = current.offset
        var left = try parseAnd()
        while current.kind == .or {
            try requireBoolean(left, at: start, for: "'||'")
            position += 1
            let rightStart = current.offset
            let right = try parseAnd()
            try requireBoolean(right, at: rightStart, for: "'||'")
            left = .or(left, right)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        let start = current.offset
        var left = try parseComparison()
        while current.kind == .and {
            try requireBoolean(left, at: start, for: "'&&'")
            position += 1
            let rightStart = current.offset
            let right = try parseComparison()
            try requireBoolean(right, at: rightStart, for: "'&&'")
            left = .and(left, right)
        }
        return left
    }

    private mutating func parseComparison() throws -> Expression {
        let leftStart = current.offset
        let left = try parseUnary()
        guard case .compare(let op) = current.kind else { return left }
        let opToken = current
        position += 1
        let rightStart = current.offset
        let right = try parseUnary()
        if case .compare = current.kind {
            throw syntax("comparisons cannot be chained; add parentheses or use '&&'")
        }
        if op.isOrdering {
            for (side, start) in [(left, leftStart), (right, rightStart)] {
                if case .literal(.bool) = side {
                    throw ExpressionError(
                        .syntax, "'\(opToken.spelling)' cannot order true or false", offset: start)
                }
            }
        }
        return .compare(op, left, right)
    }

    private mutating func parseUnary() throws -> Expression {
        guard current.kind == .not else { return try parsePrimary() }
        position += 1
        let start = current.offset
        let operand = try parseUnary()
        try requireBoolean(operand, at: start, for: "'!'")
        return .not(operand)
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .value(let expression):
            position += 1
            return expression
        case .leftParen:
            position += 1
            guard current.kind != .rightParen else { throw syntax("empty parentheses") }
            let inner = try parseOr()
            guard current.kind == .rightParen else {
                throw current.kind == .end
                    ? syntax("expected ')'") : syntax("expected ')' before '\(current.spelling)'")
            }
            position += 1
            return inner
        case .end:
            throw syntax("unexpected end of expression")
        default:
            throw syntax("expected a value, found '\(token.spelling)'")
        }
    }

    /// Refuses literals that can never be true or false, at parse time rather than mid-run.
    private func requireBoolean(_ node: Expression, at offset: Int, for user: String) throws {
        guard case .literal(let value) = node, value.booleanValue == nil else { return }
        throw ExpressionError(.notBoolean, "\(user) needs true or false, not \(value)", offset: offset)
    }

    private func syntax(_ message: String) -> ExpressionError {
        ExpressionError(.syntax, message, offset: current.offset)
    }
}

/// Splits condition text into tokens, rejecting near-misses (`=`, `&`, `and`, `True`) with a hint.
private struct ExpressionLexer {
    private let chars: [Character]
    private var index = 0

    init(_ text: String) {
        chars = Array(text)
    }

    private func peek(_ ahead: Int = 0) -> Character? {
        index + ahead < chars.count ? chars[index + ahead] : nil
    }

    mutating func tokens() throws -> [ExpressionParser.Token] {
        var result: [ExpressionParser.Token] = []
        while true {
            while let char = peek(), char.isWhitespace { index += 1 }
            let start = index
            guard let char = peek() else {
                result.append(.init(kind: .end, offset: start, spelling: "end"))
                return result
            }
            let kind = try lexOne(char, start)
            result.append(.init(kind: kind, offset: start, spelling: String(chars[start..<index])))
        }
    }

    private mutating func lexOne(_ char: Character, _ start: Int) throws -> ExpressionParser.Kind {
        let next = peek(1)
        func take(_ count: Int, _ kind: ExpressionParser.Kind) -> ExpressionParser.Kind {
            index += count
            return kind
        }
        switch char {
        case "(": return take(1, .leftParen)
        case ")": return take(1, .rightParen)
        case "=" where next == "=": return take(2, .compare(.equal))
        case "!" where next == "=": return take(2, .compare(.notEqual))
        case "!": return take(1, .not)
        case "<" where next == "=": return take(2, .compare(.lessOrEqual))
        case "<": return take(1, .compare(.less))
        case ">" where next == "=": return take(2, .compare(.greaterOrEqual))
        case ">": return take(1, .compare(.greater))
        case "&" where next == "&": return take(2, .and)
        case "|" where next == "|": return take(2, .or)
        case "=": throw error("unknown operator '='; use '==' to compare", start)
        case "&": throw error("unknown operator '&'; use '&&'", start)
        case "|": throw error("unknown operator '|'; use '||'", start)
        case "$" where next == "{": return .value(.reference(try lexReference(start)))
        case "$": throw error("unexpected '$'; write references as ${...}", start)
        case "\"", "'": return .value(.literal(.string(try lexString(quote: char, start))))
        case "-" where next?.isNumber == true, _ where char.isASCII && char.isNumber:
            return .value(.literal(.number(try lexNumber(start))))
        case _ where char.isLetter || char == "_":
            return .value(.literal(.bool(try lexWord(start))))
        default:
            throw error("unexpected character '\(char)'", start)
        }
    }

    private mutating func lexReference(_ start: Int) throws -> Reference {
        guard let close = chars[(start + 2)...].firstIndex(of: "}") else {
            throw ExpressionError(.invalidReference, "unterminated '${' (missing '}')", offset: start)
        }
        index = close + 1
        do {
            return try Reference.parse(String(chars[(start + 2)..<close]))
        } catch let failure as ReferenceError {
            throw ExpressionError(.invalidReference, failure.message, offset: start + 2 + failure.offset)
        }
    }

    private mutating func lexString(quote: Character, _ start: Int) throws -> String {
        index += 1
        var text = ""
        while let char = peek() {
            index += 1
            if char == quote { return text }
            if char == "$", peek() == "{" {
                throw error("references are not expanded inside quotes; write ${...} without quotes", index - 1)
            }
            if char == "\\" {
                guard let escaped = peek(), escaped == "\\" || escaped == "\"" || escaped == "'" else {
                    throw error("unknown escape in string; only \\\\, \\\" and \\' are allowed", index - 1)
                }
                index += 1
                text.append(escaped)
            } else {
                text.append(char)
            }
        }
        throw error("unterminated string (missing closing \(quote))", start)
    }

    private mutating func lexNumber(_ start: Int) throws -> Double {
        index += 1
        while let char = peek(), char.isLetter || char.isNumber || char == "." || char == "_" { index += 1 }
        let text = String(chars[start..<index])
        guard Expression.Value.isDecimal(text), let number = Double(text) else {
            throw error("malformed number '\(text)'", start)
        }
        return number
    }

    private mutating func lexWord(_ start: Int) throws -> Bool {
        while let char = peek(), char.isLetter || char.isNumber || "_-.".contains(char) { index += 1 }
        let word = String(chars[start..<index])
        switch word {
        case "true": return true
        case "false": return false
        case "and": throw error("unknown word 'and'; use '&&'", start)
        case "or": throw error("unknown word 'or'; use '||'", start)
        case "not": throw error("unknown word 'not'; use '!'", start)
        case _ where word.lowercased() == "true" || word.lowercased() == "false":
            throw error("unknown word '\(word)'; booleans are lowercase true and false", start)
        case _ where (try? Reference.parse(word)) != nil:
            throw error("unknown word '\(word)'; did you mean ${\(word)}?", start)
        default:
            throw error("unknown word '\(word)'; quote text (\"\(word)\") and write references as ${...}", start)
        }
    }

    private func error(_ message: String, _ offset: Int) -> ExpressionError {
        ExpressionError(.syntax, message, offset: offset)
    }
}
