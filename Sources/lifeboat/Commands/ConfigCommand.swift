import ArgumentParser
import Foundation
import LifeboatCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration, secrets redacted, with where each value came from.",
        discussion: """
            Precedence: flag > environment > .env file > default.

            Examples:
              lifeboat config
              lifeboat config --env-file /etc/lifeboat.env --json
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let entries = configuration.redactedEntries()
            if global.json {
                try Terminal.printJSON(
                    entries.map { ConfigEntry(name: $0.key.name, value: $0.value, origin: $0.origin.rawValue) })
                return
            }
            if let file = configuration.environmentFile { Terminal.note("# .env file: \(file)") }
            let width = entries.map(\.key.name.count).max() ?? 0
            for entry in entries {
                print(
                    "\(entry.key.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.value)  [\(entry.origin.rawValue)]"
                )
            }
            let trusted = (try? configuration.trustedSigners()) ?? []
            Terminal.note(
                "# signing: " + ((try? configuration.signingKey()).flatMap { $0 }.map { "on (\($0))" } ?? "off")
                    + "; signature check: "
                    + (trusted.isEmpty ? "off" : "on (trusts \(trusted.joined(separator: ", ")))"))
        }
    }
}

struct ConfigEntry: Encodable {
    let name: String
    let value: String
    let origin: String
}
