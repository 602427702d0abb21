/// A JSON value in an event's details. Literals work, so details read like JSON:
/// `["file": "backup_daily_….sql.gz", "bytes": 1_234_567, "mismatches": [["table": "public.rental"]]]`.
public enum EventValue: Sendable, Equatable, Encodable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case array([EventValue])
    case object([String: EventValue])
    case null

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        // JSON has no NaN or infinity: such a number is sent as null rather than failing the event.
        case .number(let value): if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
        case .bool(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        case .null: try container.encodeNil()
        }
    }

    /// The text of a string value, for building human lines.
    public var text: String? {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value) where value.isFinite: return Int64(value)
        default: return nil
        }
    }

    public var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }
}

extension EventValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: EventValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, EventValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension EventValue {
    /// Optional strings become null when absent, so a receiver sees the key either way.
    public init(_ value: String?) { self = value.map(EventValue.string) ?? .null }
    public init(_ value: Int64) { self = .integer(value) }
    public init(_ value: Int) { self = .integer(Int64(value)) }
    /// Rounded to milliseconds: durations read as 4.128, not 4.127999999.
    public init(seconds: Double) { self = .number((seconds * 1000).rounded() / 1000) }
}
