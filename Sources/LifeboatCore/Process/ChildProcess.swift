import Foundation

/// Starting child programs with a clean signal state.
///
/// Foundation's `Process` spawns with the calling thread's signal mask, and Swift's worker
/// threads block nearly every signal; a pg_dump or psql started from one would ignore SIGTERM
/// and SIGINT forever (seen here). So the mask is cleared around the spawn.
public enum ChildProcess {
    public static func start(_ process: Process) throws {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// Asks `process` to stop with SIGTERM, and kills it if it has not stopped within `grace`.
    public static func stop(_ process: Process, grace: TimeInterval = 5) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
