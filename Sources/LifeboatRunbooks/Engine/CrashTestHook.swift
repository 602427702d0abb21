import Foundation

/// A test-only crash point for the fault tests: with `LIFEBOAT_TEST_CRASH_AFTER_STEP=<step id>`
/// in its environment, the engine kills itself with SIGKILL right after that step's action
/// returned and before its end is journaled, the one moment no signal from outside can hit
/// reliably. It proves that `runbook resume` treats such a step as interrupted (run again if
/// its action is safe to repeat, else stop and ask) instead of losing or doubling it. Unset,
/// which it always is outside the tests, it does nothing.
///
/// `LIFEBOAT_TEST_CRASH_DURING_STEP=<step id>` kills it in the middle of that step's work
/// instead: at the first bytes the step reports moved (a download, a restore), so a test stops
/// a transfer part way without racing a timer.
enum CrashTestHook {
    static let variable = "LIFEBOAT_TEST_CRASH_AFTER_STEP"
    static let duringVariable = "LIFEBOAT_TEST_CRASH_DURING_STEP"

    /// Read once: progress is reported many times a second.
    private static let during = ProcessInfo.processInfo.environment[duringVariable]

    static func stepProgressed(_ id: String) {
        guard during == id else { return }
        kill(getpid(), SIGKILL)
    }

    static func stepReturned(_ id: String) {
        guard ProcessInfo.processInfo.environment[variable] == id else { return }
        kill(getpid(), SIGKILL)
    }
}
