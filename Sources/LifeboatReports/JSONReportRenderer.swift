import Foundation

/// The report for machines: sorted keys, snake_case, ISO-8601 times, every key present
/// (unknown values are null), described by `docs/report.schema.json`.
enum JSONReportRenderer {
    static func render(_ report: RunReport) throws -> String {
        String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension RunReport {
    /// Reads a JSON report back (tests, and tools that post-process reports).
    public init(json data: Data) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        self = try decoder.decode(RunReport.self, from: data)
    }
}
