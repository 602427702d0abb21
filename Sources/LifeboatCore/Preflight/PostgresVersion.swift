import Foundation

/// A PostgreSQL major version read from what servers and dumps print: `15.14 (Debian
/// 15.14-1.pgdg120+1)`, `16beta1`, `17devel`, `9.6.24`. Before 10 the major version had two
/// parts (9.6), since 10 it has one; `number` orders both kinds (90600 < 100000 < 150000).
public struct PostgresVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let number: Int

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        guard let first = parts.first, first > 0 else { return nil }
        if first >= 10 {
            number = first * 10000
        } else {
            guard parts.count >= 2 else { return nil }
            number = first * 10000 + parts[1] * 100
        }
    }

    /// From `server_version_num` (150014 → 15; 90624 → 9.6).
    public init(serverVersionNumber: Int) {
        number = serverVersionNumber >= 100000 ? serverVersionNumber / 10000 * 10000 : serverVersionNumber / 100 * 100
    }

    public var description: String {
        number >= 100000 ? String(number / 10000) : "\(number / 10000).\(number % 10000 / 100)"
    }

    public static func < (a: PostgresVersion, b: PostgresVersion) -> Bool { a.number < b.number }

    /// The server version pg_dump writes at the top of a plain dump
    /// (`-- Dumped from database version 15.14 (Debian ...)`), if `text` has that line.
    public static func dumpedFrom(_ text: String) -> PostgresVersion? {
        let marker = "-- Dumped from database version "
        for line in text.split(separator: "\n", maxSplits: 64, omittingEmptySubsequences: true).prefix(64)
        where line.hasPrefix(marker) {
            return PostgresVersion(String(line.dropFirst(marker.count)))
        }
        return nil
    }
}
