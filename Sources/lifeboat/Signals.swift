import Dispatch
import Foundation
import LifeboatCore

/// Turns SIGINT/SIGTERM into a cancellation the pipeline sees between chunks, so interrupted
/// work cleans up after itself. Also ignores SIGPIPE and SIGXFSZ, so a closed pipe or a file
/// size limit becomes an error with a message instead of a silent death.
enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ flag: CancellationFlag) {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.cancel(reason: name) }
            source.resume()
            sources.append(source)
        }
    }
}
