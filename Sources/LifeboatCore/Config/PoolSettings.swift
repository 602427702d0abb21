import Foundation
import LifeboatPostgres

/// The connection pool's settings from DB_POOL_SIZE, DB_MAX_OVERFLOW, DB_POOL_TIMEOUT,
/// DB_POOL_RECYCLE, DB_CONNECT_TIMEOUT and DB_POOL_PRE_PING. The seed passed these to
/// SQLAlchemy, so its -1 ("no limit", "never recycle") keeps its meaning here.
extension LifeboatConfiguration {
    /// Seconds beyond this (about 31 years) are surely a typo, and would overflow `Duration`
    /// and libpq's int connect_timeout.
    static let maximumPoolSeconds = 1_000_000_000.0

    public func poolSettings() throws -> ConnectionPool.Settings {
        var settings = ConnectionPool.Settings()
        if let size = try int(.poolSize) {
            guard size >= 1 else { throw invalid(.poolSize, String(size), "a whole number, 1 or more") }
            settings.size = size
        }
        if let raw = trimmed(.poolMaxOverflow) {
            if raw == "-1" {
                settings.maxOverflow = nil
            } else {
                guard let overflow = Int(raw), overflow >= 0 else {
                    throw invalid(.poolMaxOverflow, raw, "a whole number, 0 or more, or -1 for no limit")
                }
                settings.maxOverflow = overflow
            }
        }
        if let timeout = try seconds(.poolTimeout) { settings.timeout = timeout }
        if let raw = trimmed(.poolRecycle) {
            settings.recycle = raw == "-1" ? nil : try seconds(.poolRecycle, alternative: ", or -1 to never recycle")
        }
        if let connectTimeout = try int(.connectTimeout) {
            guard Double(connectTimeout) <= Self.maximumPoolSeconds else {
                throw invalid(
                    .connectTimeout, String(connectTimeout),
                    "whole seconds, at most \(Int(Self.maximumPoolSeconds)) (0 waits forever)")
            }
            settings.connectTimeout = .seconds(connectTimeout)
        }
        settings.prePing = try bool(.poolPrePing)
        return settings
    }

    private func trimmed(_ key: ConfigurationKey) -> String? {
        string(key)?.trimmingCharacters(in: .whitespaces)
    }

    /// A duration in seconds, decimals allowed (DB_POOL_TIMEOUT=0.5).
    private func seconds(_ key: ConfigurationKey, alternative: String = "") throws -> Duration? {
        guard let raw = trimmed(key) else { return nil }
        guard let value = Double(raw), value.isFinite, value >= 0, value <= Self.maximumPoolSeconds else {
            throw invalid(
                key, raw, "seconds from 0 to \(Int(Self.maximumPoolSeconds)), decimals allowed (e.g. 0.5)\(alternative)"
            )
        }
        return .seconds(value)
    }
}
