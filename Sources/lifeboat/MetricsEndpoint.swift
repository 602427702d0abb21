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
                let ledger = (try? Data(contentsOf: textfile.ledgerURL)).flatMap { try? MetricsTextfile.decoder.decode(MetricsLedger.self, from: $0) }
                    ?? MetricsLedger()
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                    body: Data(MetricsTextfile.render(ledger).utf8))
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
