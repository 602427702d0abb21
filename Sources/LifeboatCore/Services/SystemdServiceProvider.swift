import Foundation

/// Services run as systemd units, stopped and started with systemctl.
public struct SystemdServiceProvider: ServiceProvider {
    public let name = "systemd"
    public let units: [String]
    /// Run after the units are found active: an active unit is not yet a healthy application.
    public let healthCommand: String?
    private let runner: ServiceCommandRunner

    public init(
        units: [String], healthCommand: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, timeout: TimeInterval = 120
    ) throws {
        try ServiceProviders.validate(services: units, provider: "systemd")
        self.units = units
        self.healthCommand = healthCommand
        runner = ServiceCommandRunner(environment: environment, timeout: timeout) { program in
            program == "systemctl"
                ? "this host has no systemd; use LIFEBOAT_SERVICES_PROVIDER=compose or command"
                : "install \(program) or fix LIFEBOAT_HEALTH_COMMAND"
        }
    }

    public func commands(for action: ServiceAction) -> [[String]] {
        switch action {
        case .stop: return [["systemctl", "stop"] + units]
        case .start: return [["systemctl", "start"] + units]
        case .health:
            // One unit per call: `systemctl is-active A B` succeeds when *any* of them is active.
            return units.map { ["systemctl", "is-active", $0] }
                + (healthCommand.map { [ServiceProviders.shell($0)] } ?? [])
        }
    }

    public func stop() throws -> ServiceOutcome { try runner.runRequired(.stop, commands(for: .stop), provider: name) }
    public func start() throws -> ServiceOutcome { try runner.run(.start, commands(for: .start)) }
    public func health() throws -> ServiceOutcome { try runner.run(.health, commands(for: .health)) }
}
