import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

/// `lifeboat docs PAGE`: prints (or writes into a page) the reference made from the code, so
/// the checked-in docs are regenerated, never edited (`make docs`). Hidden: it is for the
/// project's own build, not for operators.
struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print a generated reference page (make docs).",
        shouldDisplay: false)

    enum Page: String, CaseIterable, ExpressibleByArgument {
        case commands, configuration, actions, man

        /// The page's generated text.
        var text: String {
            switch self {
            case .commands: CommandReference.markdown()
            case .configuration: ConfigurationReference.markdown()
            case .actions: ActionReference.markdown()
            case .man: ManualPage.roff()
            }
        }
    }

    @Argument(help: "The page: \(Page.allCases.map(\.rawValue).joined(separator: ", ")).")
    var page: Page

    @Option(help: "A Markdown file whose generated block (between the markers) to replace, instead of printing.")
    var write: String?

    func run() throws {
        guard let write else {
            FileHandle.standardOutput.write(Data(page.text.utf8))
            return
        }
        let url = URL(fileURLWithPath: write)
        let current = try String(contentsOf: url, encoding: .utf8)
        guard let updated = GeneratedBlock.replacing(in: current, with: page.text) else {
            throw ValidationError(
                "\(write) has no generated block: add the two lines \(GeneratedBlock.begin) and \(GeneratedBlock.end) where it goes"
            )
        }
        try updated.write(to: url, atomically: true, encoding: .utf8)
    }
}
