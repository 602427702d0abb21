import Foundation
import LifeboatCore
import Testing

/// The reference pages in docs/ are made from the code by `lifeboat docs PAGE` (`make docs`):
/// a checked-in page whose generated block differs from what the built binary prints is stale.
@Suite struct GeneratedDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: [
        ("commands", "docs/commands.md"), ("configuration", "docs/configuration.md"),
        ("actions", "docs/runbook-actions.md")
    ])
    func checkedInPageIsFresh(page: String, file: String) throws {
        let generated = try Command.lifeboat(["docs", page])
        try #require(generated.succeeded, "lifeboat docs \(page): \(generated.stderr)")
        let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
        let block = try #require(GeneratedBlock.contents(of: text), "\(file) has lost its generated-block markers")
        let expected = generated.stdout.hasSuffix("\n") ? generated.stdout : generated.stdout + "\n"
        #expect(
            block == expected,
            "\(file) is stale: run `make docs` (lifeboat docs \(page) --write \(file)) and commit the result")
    }
}
