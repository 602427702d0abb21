import Foundation

extension Preflight {
    /// `services.commands`: the programs the configured provider would run exist: docker,
    /// systemctl, or the first word of each operator command (builtins and words the shell
    /// expands cannot be looked up, and are said to be unchecked); a missing one fails, as a
    /// start command that cannot run would leave the application down after a good restore.
    /// docker without its compose plugin, or systemctl on a host not booted with systemd,
    /// warns.
    func serviceCommands(_ subject: PreflightSubject) -> PreflightCheck {
        let name = "services.commands"
        guard !subject.serviceCommands.isEmpty else {
            return PreflightCheck(name, .skipped, subject.servicesNote ?? "no service command runs")
        }
        let runner = ServiceCommandRunner(environment: environment, timeout: 15) { program in
            program == "docker"
                ? "install Docker with the compose plugin, or use LIFEBOAT_SERVICES_PROVIDER=command"
                : program == "systemctl"
                    ? "this host has no systemd; use LIFEBOAT_SERVICES_PROVIDER=compose or command"
                    : "install \(program), or fix the command in the configuration"
        }
        var found: [String] = []
        var unchecked: [String] = []
        var doubts: [String] = []
        for (action, argv) in subject.serviceCommands {
            guard let program = argv.first else { continue }
            var programs = [program]
            if argv.count == 3, argv[1] == "-c", program.hasSuffix("/sh") {
                switch Self.firstProgram(ofShellCommand: argv[2]) {
                case .program(let word): programs.append(word)
                case .unknown(let word): unchecked.append("\(action): \(word)")
                }
            }
            for program in programs where !found.contains(program) {
                do {
                    _ = try runner.locate(program)
                    found.append(program)
                } catch let error as LifeboatError {
                    return PreflightCheck(name, .fail, "\(action): \(error.message)", hint: error.hint)
                } catch {
                    return PreflightCheck(name, .fail, "\(action): \(error)")
                }
                // Found, but likely not to work here: said, not obeyed (a wrapper script may
                // stand in for either, as in tests and some hosts).
                if program == "systemctl", !FileManager.default.fileExists(atPath: Self.systemdMarker) {
                    doubts.append(
                        "this host was not booted with systemd (no \(Self.systemdMarker)): systemctl cannot manage units here"
                    )
                }
                if program == "docker", argv.dropFirst().first == "compose", composePlugin() == nil {
                    doubts.append(
                        "docker's compose plugin is not in any cli-plugins folder: `docker compose` may not work")
                }
            }
        }
        if !doubts.isEmpty {
            return PreflightCheck(
                name, .warn, "found: \(found.joined(separator: ", ")); but \(doubts.joined(separator: "; "))",
                hint:
                    "check that `\(ServiceProviders.commandLine(subject.serviceCommands[0].argv))` works on this host, "
                    + "or use LIFEBOAT_SERVICES_PROVIDER=command")
        }
        var figure = "found: \(found.joined(separator: ", "))"
        if !unchecked.isEmpty {
            figure += "; not looked up (shell builtin or expansion): \(unchecked.joined(separator: ", "))"
        }
        return PreflightCheck(name, .ok, figure)
    }

    /// Present exactly when systemd is the running init system (sd_booted()'s own test).
    static let systemdMarker = "/run/systemd/system"

    /// Where the docker CLI finds its compose plugin, as docker itself searches.
    func composePlugin() -> String? {
        let home = environment["DOCKER_CONFIG"] ?? (environment["HOME"].map { $0 + "/.docker" } ?? "")
        let folders = [
            home + "/cli-plugins", "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
            "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins"
        ]
        return folders.map { $0 + "/docker-compose" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    enum ShellWord: Equatable {
        case program(String)
        /// A builtin, a keyword or a word the shell expands: nothing to look up.
        case unknown(String)
    }

    static let shellBuiltins: Set<String> = [
        "cd", "echo", "printf", "test", "[", "true", "false", ":", ".", "source", "exec", "export", "set", "unset",
        "eval",
        "exit", "return", "read", "shift", "trap", "wait", "command", "type", "ulimit", "umask", "alias", "if", "then",
        "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "{", "}", "!", "(", "time", "kill"
    ]

    /// The program a `/bin/sh -c` command starts with, after any `NAME=value` assignments.
    static func firstProgram(ofShellCommand command: String) -> ShellWord {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard let word = words.first(where: { !Self.isAssignment($0) }) else { return .unknown(command) }
        if shellBuiltins.contains(word) { return .unknown(word) }
        if word.contains(where: { "$`\"'*?[]|&;<>(){}~\\".contains($0) }) { return .unknown(word) }
        return .program(word)
    }

    static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        return word[..<equals].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
