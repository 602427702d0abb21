import Foundation
import LifeboatCore

/// A job started by `lifeboat worker` stops cleanly when its worker dies (even by SIGKILL):
/// it watches for being handed to another parent and then cancels itself like a SIGTERM
/// would (partial files removed, temporary databases dropped), so the worker that takes the
/// slot over is the only one running it.
enum ParentWatch {
    static let variable = "LIFEBOAT_WORKER_PID"

    static func startIfAsked(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let text = environment[variable], let parent = pid_t(text) else { return }
        let cancellation = Signals.cancellation
        if getppid() != parent {
            cancellation.cancel(reason: "the worker that started this job is gone")
            return
        }
        Thread.detachNewThread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 0.2) }
            cancellation.cancel(reason: "the worker that started this job is gone")
            Terminal.note("the worker (pid \(parent)) that started this job is gone: stopping cleanly")
        }
    }
}
