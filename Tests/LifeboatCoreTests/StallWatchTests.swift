import Foundation
import Testing
@testable import LifeboatCloud

/// A transfer that moves no bytes is announced every third of the stall limit, not silently
/// waited on; moving bytes starts the count again.
@Suite struct StallWatchTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test func idleTransfersAreAnnouncedUntilTheLimit() {
        let lines = Lines()
        let watch = StallWatch(stallTimeout: 30, what: "download (s3.example)", report: { lines.lines.append($0) })
        let start = Date()
        watch.observe(bytes: 0, now: start)
        for second in 1...29 { watch.observe(bytes: 0, now: start.addingTimeInterval(Double(second))) }
        #expect(lines.lines.count == 2, "at 10 s and 20 s: \(lines.lines)")
        #expect(
            lines.lines.first
                == "download (s3.example): no bytes for 10 s; waiting up to 30 s (BACKUP_CLOUD_STALL_SECONDS) before trying again"
        )
        watch.observe(bytes: 5, now: start.addingTimeInterval(29.5))
        watch.observe(bytes: 5, now: start.addingTimeInterval(35))
        #expect(lines.lines.count == 2, "bytes moved at 29.5 s: idle again only 5.5 s")
        watch.observe(bytes: 5, now: start.addingTimeInterval(40))
        #expect(lines.lines.count == 3)
    }
}
