import Foundation
import Testing
@testable import LifeboatCore

/// A folder with recording `docker` and `systemctl` executables. Tests pass its PATH to the
/// providers (never to this process: tests run in parallel) and read what was run from the log.
private struct FakeBin {
    let directory: URL
    var log: URL { directory.appendingPathComponent("calls.log") }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lifeboat-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            #!/bin/bash
            echo "$(basename "$0") $*" >> "$FAKE_LOG"
            echo "fake $(basename "$0") says: $*"
            echo "fake error line" >&2
            exit "${FAKE_EXIT:-0}"
            """
        for name in ["docker", "systemctl"] {
            let path = directory.appendingPathComponent(name).path
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }

    func environment(exit status: Int32 = 0) -> [String: String] {
        ["PATH": "\(directory.path):/usr/bin:/bin", "FAKE_LOG": log.path, "FAKE_EXIT": String(status)]
    }

    func calls() -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite struct ServiceProviderTests {
    @Test func composeRunsDockerComposeWithTheFile() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let services = ["app-blue", "app-green", "worker-1", "worker-2"]
        let provider = try ComposeServiceProvider(
            composeFile: "docker-compose.prod.yml", services: services,
            environment: bin.environment())
        #expect(
            provider.commands(for: .stop) == [["docker", "compose", "-f", "docker-compose.prod.yml", "stop"] + services]
        )
        let stopped = try provider.stop()
        let started = try provider.start()
        let health = try provider.health()
        #expect(
            bin.calls() == [
                "docker compose -f docker-compose.prod.yml stop app-blue app-green worker-1 worker-2",
                "docker compose -f docker-compose.prod.yml start app-blue app-green worker-1 worker-2"
            ])
        #expect(stopped.succeeded && !stopped.skipped && stopped.exitStatus == 0)
        #expect(stopped.outputTail.contains("fake docker says: compose -f docker-compose.prod.yml stop"))
        #expect(stopped.outputTail.contains("fake error line"))  // stderr joins stdout
        #expect(started.succeeded && started.action == .start)
        #expect(health.skipped && health.succeeded && provider.commands(for: .health).isEmpty)
    }

    @Test func composeWithoutFileLetsComposeFindIt() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try ComposeServiceProvider(composeFile: nil, services: ["app"], environment: bin.environment())
        _ = try provider.stop()
        _ = try provider.start()
        #expect(bin.calls() == ["docker compose stop app", "docker compose start app"])
    }

    @Test func composeHealthRunsTheConfiguredCommand() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try ComposeServiceProvider(
            composeFile: nil, services: ["app"], healthCommand: "docker compose ps app",
            environment: bin.environment())
        #expect(provider.commands(for: .health) == [["/bin/sh", "-c", "docker compose ps app"]])
        let health = try provider.health()
        #expect(health.succeeded && !health.skipped)
        #expect(bin.calls() == ["docker compose ps app"])
    }

    @Test func systemdStopsStartsAndChecksEachUnit() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try SystemdServiceProvider(
            units: ["app.service", "worker@1.service"], environment: bin.environment())
        _ = try provider.stop()
        _ = try provider.start()
        let health = try provider.health()
        #expect(
            bin.calls() == [
                "systemctl stop app.service worker@1.service",
                "systemctl start app.service worker@1.service",
                "systemctl is-active app.service",
                "systemctl is-active worker@1.service"
            ])
        #expect(health.succeeded && health.command == ["systemctl", "is-active", "worker@1.service"])
    }

    @Test func systemdHealthFailsOnTheFirstInactiveUnit() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try SystemdServiceProvider(units: ["a", "b"], environment: bin.environment(exit: 3))
        let health = try provider.health()
        #expect(!health.succeeded && health.exitStatus == 3)
        #expect(health.command == ["systemctl", "is-active", "a"])
        #expect(bin.calls() == ["systemctl is-active a"])
    }

    @Test func failingStopThrowsWithStatusAndOutput() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try ComposeServiceProvider(
            composeFile: "prod.yml", services: ["app"], environment: bin.environment(exit: 17))
        do {
            _ = try provider.stop()
            Issue.record("stop should have thrown")
        } catch let error as LifeboatError {
            #expect(error.stage == "services")
            #expect(error.message.contains("`docker compose -f prod.yml stop app` exited with status 17"))
            #expect(error.message.contains("fake error line"))
            #expect(error.hint?.contains("LIFEBOAT_SERVICES_PROVIDER") == true)
        }
    }

    @Test func failingStartIsReportedNotThrown() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let provider = try SystemdServiceProvider(units: ["app"], environment: bin.environment(exit: 5))
        let started = try provider.start()
        #expect(!started.succeeded && !started.skipped && started.exitStatus == 5)
        #expect(started.summary == "`systemctl start app` exited with status 5")
        #expect(bin.calls() == ["systemctl start app"])
    }

    @Test func missingExecutableIsNamed() throws {
        let empty = try FakeBin()
        defer { empty.remove() }
        let provider = try ComposeServiceProvider(
            composeFile: nil, services: ["app"], environment: ["PATH": empty.log.path])
        #expect {
            _ = try provider.stop()
        } throws: { error in
            let error = try #require(error as? LifeboatError)
            return error.category == .configuration && error.message.contains("docker was not found on PATH")
                && error.hint?.contains("compose plugin") == true
        }
    }

    @Test func commandProviderRunsRealShellCommandsInOrder() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let file = bin.directory.appendingPathComponent("effects").path
        let provider = try CommandServiceProvider(
            stopCommand: "echo stopped >> '\(file)'", startCommand: "echo started >> '\(file)' && echo up",
            healthCommand: "grep -q started '\(file)' && echo healthy >> '\(file)'", environment: bin.environment())
        _ = try provider.stop()
        let started = try provider.start()
        let health = try provider.health()
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "stopped\nstarted\nhealthy\n")
        #expect(
            started.outputTail == "up" && started.command == ["/bin/sh", "-c", "echo started >> '\(file)' && echo up"])
        #expect(health.succeeded && !health.skipped)
    }

    @Test func commandProviderWithoutHealthSkipsIt() throws {
        let provider = try CommandServiceProvider(stopCommand: "true", startCommand: "true", healthCommand: "  ")
        #expect(try provider.health().skipped)
        #expect(provider.commands(for: .health).isEmpty)
    }

    @Test func outputTailKeepsTheLastTwentyLines() throws {
        let provider = try CommandServiceProvider(stopCommand: "true", startCommand: "seq 1 50; exit 2")
        let started = try provider.start()
        #expect(started.outputTail.split(separator: "\n") == (31...50).map { Substring(String($0)) })
        #expect(!started.succeeded && started.exitStatus == 2)
    }

    @Test func aHungCommandTimesOutAndItsChildrenAreStopped() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let marker = bin.directory.appendingPathComponent("survived").path
        let pidFile = bin.directory.appendingPathComponent("child.pid").path
        // Two commands, so the shell forks the child instead of exec'ing it: the group must die.
        // The child writes its pid, so the test waits on its end rather than on the clock. The
        // timeout leaves a busy machine seconds to start the child; the command hangs for 300.
        let provider = try CommandServiceProvider(
            stopCommand: "sh -c 'echo $$ > \(pidFile); exec sleep 300'; touch '\(marker)'", startCommand: "true",
            timeout: 5)
        let began = Date()
        #expect(throws: LifeboatError.self) { _ = try provider.stop() }
        #expect(Date().timeIntervalSince(began) < 200, "it did not wait for the hung command")
        let child = try #require(
            Int32(
                (try? String(contentsOfFile: pidFile, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "the child started")
        // kill(pid, 0) fails with ESRCH once the child is gone (reaped by init after the group's SIGTERM).
        var gone = false
        for _ in 0..<1200 where !gone {
            gone = kill(child, 0) != 0 && errno == ESRCH
            if !gone { usleep(50_000) }
        }
        #expect(gone, "the hung command's child was stopped with its group")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// `/etc/init.d/app start` and the like return at once and leave the application running,
    /// holding every descriptor it inherited. The step ends when the command does; it used to
    /// wait out its whole timeout (Foundation's `Process` watches a socket the daemon kept).
    @Test func aStartCommandThatDaemonizesEndsWhenItsShellDoes() throws {
        let bin = try FakeBin()
        defer { bin.remove() }
        let pidFile = bin.directory.appendingPathComponent("daemon.pid").path
        // The timeout is far beyond what the shell needs on any machine, and far below the
        // daemon's life: reaching it means the step waited for the daemon.
        let provider = try CommandServiceProvider(
            stopCommand: "true", startCommand: "sleep 600 & echo $! > '\(pidFile)'; echo started", timeout: 300)
        let started = try provider.start()
        let daemon = try #require(
            Int32(
                (try? String(contentsOfFile: pidFile, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        defer { kill(daemon, SIGKILL) }
        #expect(started.succeeded && !started.timedOut && started.outputTail == "started")
        #expect(kill(daemon, 0) == 0, "the daemon is left running")
        // Its descriptors are read once it sleeps (the kernel's wait channel): before that it may
        // be the shell's forked child, or sleep starting up, which briefly holds a "3" of its own
        // (seen here in 13 of 300 tries). A descriptor leaked by Lifeboat would stay.
        var asleep = false
        for _ in 0..<1200 where !asleep {
            let channel = (try? String(contentsOfFile: "/proc/\(daemon)/wchan", encoding: .utf8)) ?? ""
            asleep = channel.contains("nanosleep")
            if !asleep { usleep(50_000) }
        }
        #expect(asleep, "the daemon is asleep in sleep 600")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd").sorted()
        #expect(descriptors == ["0", "1", "2"], "the daemon holds none of Lifeboat's descriptors")
    }

    @Test func timedOutOutcomeSaysSo() throws {
        // The command outlives the timeout by far on any machine: a slow start cannot let it end
        // first, and 2 s (not a fraction of one) lets even a busy machine have it asleep when
        // the timeout's SIGTERM comes.
        let provider = try CommandServiceProvider(stopCommand: "true", startCommand: "sleep 300", timeout: 2)
        let started = try provider.start()
        #expect(started.timedOut && !started.succeeded && started.exitStatus == nil && started.signal == SIGTERM)
        #expect(started.summary.contains("timed out"))
    }

    // MARK: factory

    private func configuration(_ values: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: values)
    }

    @Test(arguments: [[:], ["LIFEBOAT_SERVICES_PROVIDER": "none"], ["LIFEBOAT_SERVICES_PROVIDER": ""]])
    func noProviderMeansNil(values: [String: String]) async throws {
        #expect(try ServiceProviders.make(from: try await configuration(values)) == nil)
    }

    @Test func factoryBuildsEachProvider() async throws {
        let compose = try ServiceProviders.make(
            from: try await configuration([
                "LIFEBOAT_SERVICES_PROVIDER": "Compose", "LIFEBOAT_COMPOSE_FILE": "prod.yml",
                "LIFEBOAT_SERVICES": "app-blue  app-green worker-1 worker-2"
            ]))
        #expect(compose?.name == "compose")
        #expect(
            compose?.commands(for: .start) == [
                ["docker", "compose", "-f", "prod.yml", "start", "app-blue", "app-green", "worker-1", "worker-2"]
            ])
        let systemd = try ServiceProviders.make(
            from: try await configuration([
                "LIFEBOAT_SERVICES_PROVIDER": "systemd", "LIFEBOAT_SERVICES": "app",
                "LIFEBOAT_HEALTH_COMMAND": "curl -fs localhost"
            ]))
        #expect(
            systemd?.commands(for: .health) == [
                ["systemctl", "is-active", "app"], ["/bin/sh", "-c", "curl -fs localhost"]
            ])
        let command = try ServiceProviders.make(
            from: try await configuration([
                "LIFEBOAT_SERVICES_PROVIDER": "command", "LIFEBOAT_STOP_COMMAND": "a", "LIFEBOAT_START_COMMAND": "b"
            ]))
        #expect(command?.commands(for: .stop) == [["/bin/sh", "-c", "a"]])
        #expect(command?.commands(for: .health) == [])
    }

    @Test(arguments: [
        (["LIFEBOAT_SERVICES_PROVIDER": "kubernetes"], "not a provider"),
        (["LIFEBOAT_SERVICES_PROVIDER": "compose"], "LIFEBOAT_SERVICES is empty"),
        (["LIFEBOAT_SERVICES_PROVIDER": "systemd", "LIFEBOAT_SERVICES": " "], "LIFEBOAT_SERVICES is empty"),
        (["LIFEBOAT_SERVICES_PROVIDER": "compose", "LIFEBOAT_SERVICES": "app --all"], "read as an option"),
        (["LIFEBOAT_SERVICES_PROVIDER": "command", "LIFEBOAT_START_COMMAND": "b"], "LIFEBOAT_STOP_COMMAND is not set"),
        (["LIFEBOAT_SERVICES_PROVIDER": "command", "LIFEBOAT_STOP_COMMAND": "a"], "LIFEBOAT_START_COMMAND is not set")
    ])
    func factoryRejectsBadConfiguration(values: [String: String], expected: String) async throws {
        let configuration = try await configuration(values)
        #expect {
            _ = try ServiceProviders.make(from: configuration)
        } throws: { error in
            let error = try #require(error as? LifeboatError)
            return error.category == .configuration && error.message.contains(expected)
        }
    }

    @Test func commandLineQuotesWhatAShellWouldSplit() {
        #expect(ServiceProviders.commandLine(["/bin/sh", "-c", "echo it's"]) == #"/bin/sh -c 'echo it'\''s'"#)
        #expect(
            ServiceProviders.commandLine(["docker", "compose", "-f", "a.yml", "stop", "app"])
                == "docker compose -f a.yml stop app")
    }
}
