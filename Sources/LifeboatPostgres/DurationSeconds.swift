import Foundation

/// Conversions between the pool's `Duration` settings and what libpq and Foundation take.
extension Duration {
    /// Seconds as a `TimeInterval`, for `NSCondition.wait(until:)`.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// libpq's connect_timeout takes whole seconds; rounding up never shortens what was asked for.
    var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return attoseconds > 0 ? seconds + 1 : seconds
    }

    /// "2", "0.5", "3600": seconds as an operator wrote them in the configuration.
    var secondsText: String {
        let seconds = timeInterval
        return seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
    }
}
