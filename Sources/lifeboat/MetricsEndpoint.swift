import FlyingFox
import Foundation
import LifeboatCore

/// `/metrics` for Prometheus, served by `lifeboat worker` when LIFEBOAT_METRICS_PORT is set: the
/// same text the node_exporter textfile holds, rendered from the ledger the jobs update, so
/// scraping the worker and reading the textfile agree.
enum MetricsEndpoint {
    static func serve(port: UInt16, textfile: MetricsTextfile) -> HTTPServer {
        let server = HTTPServer(address: .inet(port: port), logger: .disabled)
        Task {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: Data(MetricsTextfile.render(textfile.currentLedger()).utf8))
            }
            do {
                try await server.run()
            } catch {
                Terminal.error("metrics: cannot serve on port \(port): \(error) (set LIFEBOAT_METRICS_PORT to a free port)")
            }
        }
        return server
    }
}
