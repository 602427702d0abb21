/// One field of a cron expression: the set of values it allows, and whether it was written
/// with a leading `*` (cron's day-of-month/day-of-week rule and its DST rules look at that).
struct CronField: Sendable, Equatable {
    enum Kind: String, Sendable {
        case minute, hour, dayOfMonth = "day of month", month, dayOfWeek = "day of week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }

        /// What a name stands for: months count from 1, weekdays from 0 (Sunday).
        var nameBase: Int { self == .month ? 1 : 0 }
    }

    let values: Set<Int>
    let starred: Bool

    func contains(_ value: Int) -> Bool { values.contains(value) }

    /// Parses `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n` and comma lists of them; month and weekday
    /// names (`jan`, `mon`) in any case; weekday 7 is Sunday like 0.
    init(_ text: String, _ kind: Kind) throws(CronError) {
        var values = Set<Int>()
        let range = kind.range
        for item in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw CronError(kind, text, "an empty item in a list") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw CronError(kind, text, "more than one '/' in '\(item)'") }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0 else {
                    throw CronError(kind, text, "the step '\(parts[1])' must be a whole number above 0")
                }
                step = parsed
            }
            let span: ClosedRange<Int>
            if parts[0] == "*" {
                span = range
            } else {
                let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw CronError(kind, text, "'\(parts[0])' is not a value or a range") }
                let low = try Self.value(bounds[0], kind, text)
                if bounds.count == 2 {
                    let high = try Self.value(bounds[1], kind, text)
                    guard low <= high else { throw CronError(kind, text, "the range \(parts[0]) runs backwards") }
                    span = low...high
                } else {
                    // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
                    span = parts.count == 2 ? low...range.upperBound : low...low
                }
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        if kind == .dayOfWeek, values.remove(7) != nil { values.insert(0) }
        self.values = values
        starred = text.hasPrefix("*")
    }

    private static func value(_ token: Substring, _ kind: Kind, _ text: String) throws(CronError) -> Int {
        if let number = Int(token) {
            guard kind.range.contains(number) else {
                throw CronError(kind, text, "\(number) is outside \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let index = kind.names.firstIndex(of: String(token)) { return index + kind.nameBase }
        let names = kind.names.isEmpty ? "" : " or a name (\(kind.names.first!)…\(kind.names.last!))"
        throw CronError(kind, text, "'\(token)' is not a number\(names)")
    }
}

/// A cron expression that cannot be used, naming the field and the reason.
public struct CronError: Error, CustomStringConvertible, Sendable, Equatable {
    public let expression: String
    public let field: String?
    public let reason: String

    init(_ kind: CronField.Kind, _ text: String, _ reason: String) {
        expression = text
        field = kind.rawValue
        self.reason = reason
    }

    init(expression: String, reason: String) {
        self.expression = expression
        field = nil
        self.reason = reason
    }

    public var description: String {
        field.map { "cron \($0) field '\(expression)': \(reason)" } ?? "cron expression '\(expression)': \(reason)"
    }
}
