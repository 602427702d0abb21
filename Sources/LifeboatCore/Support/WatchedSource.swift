import LifeboatStreams

/// Reports bytes read so far, and stops the pipeline between chunks when cancelled
/// (SIGINT/SIGTERM), so that the partial file is removed instead of left behind.
final class WatchedSource: ByteSource {
    private let upstream: any ByteSource
    private let report: ((Int64) -> Void)?
    private let cancellation: CancellationFlag?
    private(set) var bytes: Int64 = 0

    init(upstream: any ByteSource, cancellation: CancellationFlag?, report: ((Int64) -> Void)?) {
        self.upstream = upstream
        self.report = report
        self.cancellation = cancellation
    }

    func next() throws -> [UInt8]? {
        if let cancellation, cancellation.isCancelled {
            throw LifeboatError(
                stage: "interrupted", message: "stopped by \(cancellation.reason) before the work finished",
                hint: "nothing half-done was kept; run the command again")
        }
        guard let chunk = try upstream.next() else { return nil }
        bytes += Int64(chunk.count)
        report?(bytes)
        return chunk
    }
}
