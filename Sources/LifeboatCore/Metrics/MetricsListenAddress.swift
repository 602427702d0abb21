import Foundation

/// Where `/metrics` listens: LIFEBOAT_METRICS_LISTEN (`host:port`, `[v6]:port`), else
/// LIFEBOAT_METRICS_PORT on 127.0.0.1. Loopback by default: the metrics name backups, tables
/// and failures, which is no one else's business unless the operator opens it up.
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static let defaultHost = "127.0.0.1"

    /// nil when neither setting is given (no endpoint).
    public static func configured(_ configuration: LifeboatConfiguration) throws -> MetricsListenAddress? {
        if let text = configuration.string(.metricsListen) {
            guard let address = parse(text) else {
                throw configuration.invalid(
                    .metricsListen, text, "host:port, e.g. 127.0.0.1:9187, [::1]:9187 or 0.0.0.0:9187")
            }
            return address
        }
        guard let port = try configuration.int(.metricsPort) else { return nil }
        guard (1...65535).contains(port) else {
            throw configuration.invalid(.metricsPort, String(port), "a port, 1 to 65535")
        }
        return MetricsListenAddress(host: defaultHost, port: port)
    }

    /// `host:port` or `[v6]:port`; the port 1…65535.
    public static func parse(_ text: String) -> MetricsListenAddress? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let host: Substring, port: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            port = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else { return nil }
            host = trimmed[..<colon]
            port = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else { return nil }
        return MetricsListenAddress(host: String(host), port: number)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
