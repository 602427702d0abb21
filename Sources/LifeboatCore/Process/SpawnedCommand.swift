import Foundation

/// An operator's command (a service manager's stop or start) spawned with `posix_spawn` and
/// waited for with `waitpid`: the command is over when *its* process exits.
///
/// Foundation's `Process` is not used here because on Linux it learns that a child ended from
/// a socket it passes to the child: the end arrives only when every holder of that socket has
/// closed it. A start command that daemonizes (`/etc/init.d/app start`, `pg_ctl start`, a
/// script ending in `app &`) leaves a grandchild holding it for as long as the application
/// runs, and the step waited for its whole timeout with the application long up: minutes
/// added to the downtime at the worst moment. Here the child gets standard input from
/// /dev/null, standard output and error into `output`, and no other descriptor of ours.
///
/// The child leads its own process group, so a timeout can stop `sh -c "a; b"` and all it
/// started; its signal mask and dispositions are reset (Swift's worker threads block nearly
/// every signal, and a child inheriting that mask would ignore SIGTERM).
final class SpawnedCommand: @unchecked Sendable {
    /// The child's process id; also its process group id.
    let pid: pid_t
    /// Signalled once by the waiting thread when `waitpid` has collected the child.
    private let exited = DispatchSemaphore(value: 0)
    /// Written once by the waiting thread before it signals `exited`, read only after a wait
    /// on `exited` has returned: that ordering is what makes `@unchecked Sendable` sound.
    private var rawStatus: Int32 = 0

    struct Ending {
        /// The exit status when the command exited, nil when a signal ended it.
        var exitStatus: Int32?
        /// The signal that ended the command, nil when it exited.
        var signal: Int32?
    }

    /// Starts `executable` with `arguments` (argv[0] is the executable's path).
    init(executable: String, arguments: [String], environment: [String: String], output: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        _ = Self.closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child = pid_t()
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw LifeboatError(
                stage: "services", message: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            rawStatus = status
            exited.signal()
        }
    }

    /// Waits until the command exits, or `timeout` seconds; nil on timeout (it still runs).
    func wait(timeout: TimeInterval) -> Ending? {
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        exited.signal()  // a later wait() returns at once
        return ending
    }

    /// Waits however long the command takes.
    func wait() -> Ending {
        exited.wait()
        exited.signal()
        return ending
    }

    /// SIGTERM to the whole group; SIGKILL to what is left after `grace` seconds.
    func terminateGroup(grace: TimeInterval = 5) {
        kill(-pid, SIGTERM)
        if wait(timeout: grace) == nil { kill(-pid, SIGKILL) }
        _ = wait()
        kill(-pid, SIGKILL)  // whatever the leader left behind in its group
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run
    /// time because the Swift Glibc module does not declare it: a daemon started by the
    /// command then keeps none of our descriptors (a database socket, a lock file) alive.
    /// Where it is missing, descriptors opened close-on-exec (libpq's, libcurl's) still close.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
    )
    .map { unsafeBitCast($0, to: CloseFrom.self) }

    private var ending: Ending {
        let signalled = rawStatus & 0x7f
        return signalled == 0
            ? Ending(exitStatus: (rawStatus >> 8) & 0xff, signal: nil) : Ending(exitStatus: nil, signal: signalled)
    }
}
