import Dispatch
import Foundation
import LifeboatCore

/// Turns SIGINT/SIGTERM into a cancellation the pipelines see between chunks, so interrupted
/// work cleans up after itself (partial files, temporary databases). Also ignores SIGPIPE and
/// SIGXFSZ, so a closed pipe or a file size limit becomes an error with a message instead of
/// a silent death.
enum Signals {
    /// One flag for the whole process: every operation of a command run shares it.
    static let cancellation: CancellationFlag = {
        let flag = CancellationFlag()
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // A second signal means "now": the first one's clean-up is abandoned.
                if flag.isCancelled {
                    try? FileHandle.standardError.write(
                        contentsOf: Data("\nerror: \(name) again: exiting at once\n".utf8))
                    exit(130)
                }
                Terminal.note("\n\(name): interrupted, stopping cleanly (send it again to exit at once)")
                flag.cancel(reason: name)
            }
            source.resume()
            sources.append(source)
        }
        retainedSources = SignalSources(sources)
        return flag
    }()

    /// Keeps the dispatch sources alive for the life of the process.
    nonisolated(unsafe) private static var retainedSources: SignalSources?

    private final class SignalSources {
        let sources: [any DispatchSourceSignal]
        init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    }
}
