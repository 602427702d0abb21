import Foundation
import LifeboatStreams

/// Test-only crash points for the streamed restore's fault tests, beside the runbook engine's
/// `CrashTestHook`: the process kills itself with SIGKILL at a point a test names, so a
/// kill -9 lands exactly there instead of racing a timer. With
/// `LIFEBOAT_TEST_CRASH_DURING_STREAM=download:BYTES` it dies once the download has written
/// BYTES (the restore reading behind it); with `restore:BYTES`, once the download is complete
/// and the restore has read BYTES of the file (psql mid-transaction). Unset, which it always is
/// outside the tests, it does nothing.
enum StreamCrashHook {
    static let variable = "LIFEBOAT_TEST_CRASH_DURING_STREAM"

    /// Read once: the hooks run for every chunk.
    private static let point: (phase: String, bytes: Int64)? = {
        guard let value = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let bytes = Int64(parts[1]) else { return nil }
        return (String(parts[0]), bytes)
    }()

    static func downloaded(_ length: Int64) {
        if let point, point.phase == "download", length >= point.bytes { kill(getpid(), SIGKILL) }
    }

    /// `source` as it is, or (with a `restore:` point) one that dies at that point.
    static func watching(_ source: GrowingFileSource, _ file: GrowingFile) -> any ByteSource {
        guard let point, point.phase == "restore" else { return source }
        return Watch(source, file, point.bytes)
    }

    private final class Watch: ByteSource {
        let upstream: GrowingFileSource
        let file: GrowingFile
        let bytes: Int64

        init(_ upstream: GrowingFileSource, _ file: GrowingFile, _ bytes: Int64) {
            self.upstream = upstream
            self.file = file
            self.bytes = bytes
        }

        func next() throws -> [UInt8]? {
            if upstream.position >= bytes && file.isComplete { kill(getpid(), SIGKILL) }
            return try upstream.next()
        }
    }
}
