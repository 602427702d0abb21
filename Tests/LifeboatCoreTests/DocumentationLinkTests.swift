import Foundation
import Testing

/// The README stays short and everything moved out of it stays reachable: every page in docs/
/// is linked from the README, and every relative link in the README, ARCHITECTURE.md and docs/
/// names a file and a heading that exist (GitHub's anchors).
@Suite struct DocumentationLinkTests {
    static let root = ExitStatusTableTests.root

    static func pages() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/\($0)" }
        return ["README.md", "ARCHITECTURE.md"] + docs.sorted()
    }

    /// The text outside fenced code blocks, where links and headings live.
    static func prose(_ file: String) throws -> [String] {
        var inFence = false
        return try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
            .filter { line in
                if line.hasPrefix("```") { inFence.toggle(); return false }
                return !inFence
            }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
    static func anchor(_ heading: String) -> String {
        let text = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(
            text.compactMap { $0 == " " ? "-" : ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : nil) })
    }

    static func anchors(_ file: String) throws -> Set<String> {
        Set(try prose(file).filter { $0.range(of: #"^#{1,6} "#, options: .regularExpression) != nil }.map(anchor))
    }

    /// `target` (relative, perhaps with `..`) from the folder `base`, as a path from the root.
    static func resolve(_ target: String, from base: [String]) -> String {
        var parts = base
        for component in target.split(separator: "/").map(String.init) where component != "." {
            if component == ".." { _ = parts.popLast() } else { parts.append(component) }
        }
        return parts.joined(separator: "/")
    }

    @Test func readmeFitsOnAScreen() throws {
        let lines = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8).components(
            separatedBy: "\n")
        #expect(lines.count <= 401, "README.md has \(lines.count) lines: move detail into docs/ and link it")
    }

    @Test func everyDocsPageIsLinkedFromTheReadme() throws {
        let readme = try Self.prose("README.md").joined(separator: "\n")
        for page in try Self.pages() where page.hasPrefix("docs/") {
            #expect(readme.contains("](\(page)"), "README.md does not link \(page): add it to the Documentation table")
        }
        #expect(readme.contains("](ARCHITECTURE.md)"))
    }

    @Test func everyRelativeLinkResolves() throws {
        let link = try Regex(#"\]\(([^)\s]+)\)"#)
        for page in try Self.pages() {
            let base = page.split(separator: "/").dropLast().map(String.init)
            for line in try Self.prose(page) {
                for match in line.matches(of: link) {
                    let target = String(line[match.range]).dropFirst(2).dropLast()
                    if target.contains("://") || target.hasPrefix("mailto:") { continue }
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(
                        String.init)
                    let file = parts[0].isEmpty ? page : Self.resolve(parts[0], from: base)
                    let path = Self.root.appendingPathComponent(file).path
                    #expect(FileManager.default.fileExists(atPath: path), "\(page): link to \(target): no such file")
                    if parts.count == 2, file.hasSuffix(".md"), FileManager.default.fileExists(atPath: path) {
                        #expect(
                            try Self.anchors(file).contains(parts[1]),
                            "\(page): link to \(target): \(file) has no such heading")
                    }
                }
            }
        }
    }
}
