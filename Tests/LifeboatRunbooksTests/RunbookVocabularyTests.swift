import Foundation
import Testing

@testable import LifeboatRunbooks

/// The runbook vocabulary is declared once: each action's name and output keys are constants on
/// the action (`BackupDecrypt.name`, `BackupDecrypt.Output.path`), and the engine, preflight,
/// planner, drill measures, reports and command line use the constants, so a rename is one
/// edit the compiler follows everywhere. A literal spelling compiles and silently stops
/// matching; this test reads Sources/ and names each one with the constant to use instead.
@Suite struct RunbookVocabularyTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Literals that spell an action name but mean something else, with why.
    static let notActionNames: Set<String> = [
        // The shell builtins an operator's service command may use, not the `wait` action.
        "LifeboatCore/Preflight/ServiceCommandsCheck.swift: wait"
    ]

    /// Modules that read step outputs (the others cannot see runbooks).
    static let outputReaders = ["LifeboatRunbooks/", "LifeboatReports/", "lifeboat/"]
    /// The runbook file parser: its YAML keys (`name`, `target`, `database`…) are not outputs.
    static let runbookParser = "LifeboatRunbooks/Loading/"
    static let actions = "LifeboatRunbooks/Actions/"

    struct SourceLine {
        let file: String
        let number: Int
        let text: String
        var place: String { "Sources/\(file):\(number)" }
    }

    /// Every Swift line in Sources/, comments left out (they may quote names in prose).
    static func lines() throws -> [SourceLine] {
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        var files: [String] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            files.append(String(url.standardizedFileURL.path.dropFirst(sources.standardizedFileURL.path.count + 1)))
        }
        return try files.sorted().flatMap { file in
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap {
                $1.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                    ? nil : SourceLine(file: file, number: $0 + 1, text: String($1))
            }
        }
    }

    /// Each quoted word on a line (`"path"`, `"backup.decrypt"`), with the text before and after it.
    static func literals(_ line: String) -> [(word: String, before: Substring, after: Substring)] {
        line.matches(of: try! Regex(#""([a-z][a-z0-9_.]*)""#)).compactMap { match in
            guard let word = match.output[1].substring else { return nil }
            return (String(word), line[..<match.range.lowerBound], line[match.range.upperBound...])
        }
    }

    @Test func actionNamesAreSpelledOnlyWhereTheyAreDeclared() throws {
        // Each name belongs to the file of the action that declares it; the services family to ServiceStep.
        var owners = Dictionary(
            uniqueKeysWithValues: ActionCatalog.actions.map {
                ($0.spec.name, (file: "\(Self.actions)Library/\($0).swift", constant: "\($0).name"))
            })
        owners[ServiceStep.family] = ("\(Self.actions)Library/ServiceStep.swift", "ServiceStep.family")
        for spec in ActionCatalog.all where spec.name.hasPrefix(ServiceStep.family) {
            #expect(ServiceStep.kind(of: spec.name) != nil, "\(spec.name) is in the services family but no kind")
        }
        var found: [String] = []
        for line in try Self.lines() {
            for literal in Self.literals(line.text) {
                guard let owner = owners[literal.word], owner.file != line.file,
                    !Self.notActionNames.contains("\(line.file): \(literal.word)")
                else { continue }
                found.append("\(line.place): \"\(literal.word)\" is an action name: use \(owner.constant)")
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test func outputKeysAreSpelledOnlyWhereTheyAreDeclared() throws {
        let keys = Set(ActionCatalog.all.flatMap(\.outputs))
        let constants = try Self.outputConstants(keys)
        for spec in ActionCatalog.all {
            for key in spec.outputs {
                #expect(
                    constants[key] != nil, "\(spec.name)'s output \(key) has no constant in Sources/\(Self.actions)")
            }
        }
        var found: [String] = []
        var inOutputList: String?  // the file whose spec `outputs: [` list is open
        for line in try Self.lines() where Self.outputReaders.contains(where: line.file.hasPrefix) {
            guard !line.file.hasPrefix(Self.runbookParser) else { continue }
            let inActions = line.file.hasPrefix(Self.actions)
            if inOutputList != line.file { inOutputList = nil }
            if inActions && line.text.contains("outputs: [") { inOutputList = line.file }
            for literal in Self.literals(line.text) where keys.contains(literal.word) {
                if let context = Self.outputContext(literal.before, literal.after, inActions, inOutputList != nil) {
                    let use = (constants[literal.word] ?? []).joined(separator: ", ")
                    found.append(
                        "\(line.place): output key \"\(literal.word)\" (\(context)) spelled as a literal: use "
                            + (use.isEmpty ? "a constant declared in the action's Output" : use))
                }
            }
            if inOutputList != nil && line.text.contains("]") { inOutputList = nil }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    /// Where a quoted output key is used as one: read from a step's outputs, named by a spec or a
    /// resume need, or returned by an action; nil elsewhere (a parameter, a message).
    static func outputContext(_ before: Substring, _ after: Substring, _ inActions: Bool, _ inOutputList: Bool)
        -> String?
    {
        let before = before.replacingOccurrences(of: " ", with: "")
        let after = after.replacingOccurrences(of: " ", with: "")
        // A step's parameters are looked up by parameter name, which may equal an output's.
        if before.hasSuffix("[") && after.hasPrefix("]") && !before.hasSuffix("parameters[")
            && !before.hasSuffix("parameters?[")
        {
            return "a subscript"
        }
        if before.hasSuffix("output(") || before.hasSuffix("value(") { return "an output lookup" }
        if before.hasSuffix("output:") { return "a resume need" }
        guard inActions else { return nil }
        if inOutputList { return "a spec's outputs" }
        if after.hasPrefix(":") && (before.isEmpty || before.hasSuffix("[") || before.hasSuffix(",")) {
            return "an action's returned outputs"
        }
        return nil
    }

    /// Each output key's declared constants (`BackupDecrypt.Output.path`, `BackupTrustParameter.output`),
    /// read from the `static let` declarations in the actions' files: a type's own (indented
    /// once) or its `enum Output`'s (indented twice).
    static func outputConstants(_ keys: Set<String>) throws -> [String: [String]] {
        var constants: [String: [String]] = [:]
        let declaration = try Regex(#"(\w+) = "([a-z0-9_]+)""#)
        let all = try lines().filter { $0.file.hasPrefix(actions) }
        for (index, line) in all.enumerated() where line.text.contains("static let ") {
            let earlier = all[..<index].filter { $0.file == line.file }
            // The file's type, declared at the top level.
            guard
                let type = earlier.lazy.compactMap({ line -> Substring? in
                    let words = line.text.split(separator: " ")
                    guard let kind = words.firstIndex(where: { ["enum", "struct", "extension"].contains($0) }),
                        kind < 2, !line.text.hasPrefix(" "), kind + 1 < words.count
                    else { return nil }
                    return words[kind + 1].prefix { $0.isLetter || $0.isNumber }
                }).first
            else { continue }
            let owner: String
            if line.text.hasPrefix("    static") || line.text.hasPrefix("    public static") {
                owner = String(type)
            } else if line.text.hasPrefix("        "),
                earlier.last(where: { $0.text.contains("enum ") })?.text.contains("enum Output {") == true
            {
                owner = "\(type).Output"
            } else {
                continue
            }
            for match in line.text.matches(of: declaration) {
                guard let name = match.output[1].substring, let key = match.output[2].substring.map(String.init),
                    keys.contains(key)
                else { continue }
                constants[key, default: []].append("\(owner).\(name)")
            }
        }
        return constants.mapValues { $0.sorted() }
    }
}
