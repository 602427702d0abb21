import Foundation

/// Services managed by docker compose, e.g. the seed's
/// `docker-compose -f docker-compose.prod.yml stop app-blue app-green worker-1 worker-2`,
/// run as the modern `docker compose` plugin. `stop` keeps the containers, so `start` brings
/// back exactly what ran before.
public struct ComposeServiceProvider: ServiceProvider {
    public let name = "compose"
    /// Nil: compose finds the file itself (compose.yaml in the working directory, or COMPOSE_FILE).
    public let composeFile: String?
    public let services: [String]
    /// Compose has no health check of its own worth trusting here (a running container is not
    /// a healthy application), so health runs only an operator's command, via /bin/sh -c.
    public let healthCommand: String?
    private let runner: ServiceCommandRunner

    public init(
        composeFile: String?, services: [String], healthCommand: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, timeout: TimeInterval = 120
    ) throws {
        try ServiceProviders.validate(services: services, provider: "compose")
        self.composeFile = composeFile
        self.services = services
        self.healthCommand = healthCommand
        runner = ServiceCommandRunner(environment: environment, timeout: timeout) { program in
            program == "docker"
                ? "install Docker with the compose plugin (`docker compose version` must work), or use LIFEBOAT_SERVICES_PROVIDER=command"
                : "install \(program) or fix LIFEBOAT_HEALTH_COMMAND"
        }
    }

    public func commands(for action: ServiceAction) -> [[String]] {
        let base = ["docker", "compose"] + (composeFile.map { ["-f", $0] } ?? [])
        switch action {
        case .stop: return [base + ["stop"] + services]
        case .start: return [base + ["start"] + services]
        case .health: return healthCommand.map { [ServiceProviders.shell($0)] } ?? []
        }
    }

    public func stop() throws -> ServiceOutcome { try runner.runRequired(.stop, commands(for: .stop), provider: name) }
    public func start() throws -> ServiceOutcome { try runner.run(.start, commands(for: .start)) }
    public func health() throws -> ServiceOutcome { try runner.run(.health, commands(for: .health)) }
}
