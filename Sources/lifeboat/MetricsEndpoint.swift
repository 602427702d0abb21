import Foundation
import LifeboatCore

/// `/metrics` for Prometheus, served by `lifeboat worker` when LIFEBOAT_METRICS_PORT or
/// LIFEBOAT_METRICS_LISTEN is set: the same text the node_exporter textfile holds, rendered from
/// the ledger the jobs update, so scraping the worker and reading the textfile agree.
enum MetricsEndpoint {
    static func serve(_ address: MetricsListenAddress, readTimeout: TimeInterval, textfile: MetricsTextfile) throws
        -> MetricsListener
    {
        let listener = try MetricsListener(address: address, readTimeout: readTimeout) {
            MetricsTextfile.render(textfile.currentLedger())
        }
        listener.start()
        return listener
    }
}
