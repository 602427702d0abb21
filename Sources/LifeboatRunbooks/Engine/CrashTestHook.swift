import Foundation

/// A test-only crash point for the fault tests: with `LIFEBOAT_TEST_CRASH_AFTER_STEP=<step id>`
/// in its environment, the engine kills itself with SIGKILL right after that step's action
/// returned and before its end is journaled, the one moment no signal from outside can hit
/// reliably. It proves that `runbook resume` treats such a step as interrupted (run again if
/// its action is safe to repeat, else stop and ask) instead of losing or doubling it. Unset,
/// which it always is outside the tests, it does nothing.
enum CrashTestHook {
    static let variable = "LIFEBOAT_TEST_CRASH_AFTER_STEP"

    static func stepReturned(_ id: String) {
        guard ProcessInfo.processInfo.environment[variable] == id else { return }
        kill(getpid(), SIGKILL)
    }
}
