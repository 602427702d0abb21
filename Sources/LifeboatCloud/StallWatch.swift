import Foundation

/// Notices a transfer that moves no bytes, for the progress line while it waits: libcurl ends
/// such an attempt after `CurlTransport.stallTimeout` (CURLOPT_LOW_SPEED_TIME), and until then
/// the operator is told every few seconds what is being waited for instead of seeing nothing.
final class StallWatch: @unchecked Sendable {
    let stallTimeout: Int
    let what: String
    let report: @Sendable (String) -> Void
    private var lastBytes: Int64 = -1
    private var lastChange = Date()
    private var reported = 0

    init(stallTimeout: Int, what: String, report: @escaping @Sendable (String) -> Void) {
        self.stallTimeout = stallTimeout
        self.what = what
        self.report = report
    }

    /// A line every third of the stall limit (at least each second) while no byte moves.
    var interval: Int { max(1, stallTimeout / 3) }

    /// Called from libcurl's progress callback (about once a second, also when idle) with the
    /// bytes moved so far in both directions.
    func observe(bytes: Int64, now: Date = Date()) {
        if bytes != lastBytes {
            lastBytes = bytes
            lastChange = now
            reported = 0
            return
        }
        let idle = Int(now.timeIntervalSince(lastChange))
        guard idle >= (reported + 1) * interval, idle < stallTimeout else { return }
        reported = idle / interval
        report(
            "\(what): no bytes for \(idle) s; waiting up to \(stallTimeout) s (BACKUP_CLOUD_STALL_SECONDS) before trying again"
        )
    }
}
