import Foundation
import Testing
@testable import LifeboatCore
import LifeboatStreams

/// The pure parts of the preflight: version parsing and ordering, the disk margin and verdict,
/// overrides, the gate, the recipients of an OpenPGP header, and the first word of a command.
@Suite struct PreflightTests {
    @Test(arguments: [
        ("15.14 (Debian 15.14-1.pgdg120+1)", "15", 150000),
        ("16beta1", "16", 160000),
        ("17devel", "17", 170000),
        ("9.6.24", "9.6", 90600),
        ("10.23", "10", 100000)
    ])
    func versionsParseToTheirMajor(text: String, major: String, number: Int) throws {
        let version = try #require(PostgresVersion(text))
        #expect(version.description == major)
        #expect(version.number == number)
    }

    @Test func versionsThatAreNotOneDoNotParse() {
        #expect(PostgresVersion("") == nil)
        #expect(PostgresVersion("PostgreSQL") == nil)
        #expect(PostgresVersion("9") == nil, "before 10 the major version has two parts")
    }

    @Test func versionsOrderAcrossTheTenBoundaryAndFromServerVersionNum() throws {
        #expect(try #require(PostgresVersion("9.6.24")) < #require(PostgresVersion("10.1")))
        #expect(
            try #require(PostgresVersion("15.2")) == #require(PostgresVersion("15.14")), "minor releases share a major")
        #expect(try #require(PostgresVersion("16.0")) > #require(PostgresVersion("15.14")))
        #expect(PostgresVersion(serverVersionNumber: 150014) == PostgresVersion("15.14"))
        #expect(PostgresVersion(serverVersionNumber: 90624) == PostgresVersion("9.6.24"))
    }

    @Test func theDumpHeaderNamesTheServerItCameFrom() {
        let header = """
            --
            -- PostgreSQL database dump
            --

            -- Dumped from database version 16.4 (Debian 16.4-1.pgdg120+1)
            -- Dumped by pg_dump version 16.4
            """
        #expect(PostgresVersion.dumpedFrom(header)?.description == "16")
        #expect(PostgresVersion.dumpedFrom("SELECT 1;\n") == nil)
    }

    @Test func theServerNeedsTheDumpTimesTheMarginLessWhatADropFrees() {
        let safe = DiskRequirement.server(dumpBytes: 3_000_000, margin: 2)
        #expect(safe.neededBytes == 6_000_000)
        #expect(safe.basis.contains("× 2"))
        #expect(DiskRequirement.server(dumpBytes: 3_000_000, margin: 1.5).neededBytes == 4_500_000)
        #expect(DiskRequirement.server(dumpBytes: 3, margin: 1.5).neededBytes == 5, "rounded up, never down")
        let inPlace = DiskRequirement.server(dumpBytes: 3_000_000, margin: 2, freedFirst: 2_000_000)
        #expect(inPlace.neededBytes == 4_000_000)
        #expect(inPlace.basis.contains("frees"))
        #expect(DiskRequirement.server(dumpBytes: 1_000, margin: 2, freedFirst: 10_000).neededBytes == 0)
        #expect(DiskRequirement.server(dumpBytes: .max, margin: 2).neededBytes == .max, "saturates, no overflow")
    }

    @Test func theVerdictFailsBelowTheNeedAndWarnsWithinTheReserve() {
        #expect(DiskRequirement.verdict(free: 99, needed: 100, reserve: 0) == .fail)
        #expect(DiskRequirement.verdict(free: 100, needed: 100, reserve: 0) == .ok)
        #expect(DiskRequirement.verdict(free: 150, needed: 100, reserve: 60) == .warn)
        #expect(DiskRequirement.verdict(free: 160, needed: 100, reserve: 60) == .ok)
    }

    @Test func overridesNameChecksOrAllAndRefuseTypos() throws {
        let some = try PreflightOverrides(["disk.server", "gpg.secret_key,backup.tables"])
        #expect(some.covers("disk.server") && some.covers("gpg.secret_key") && some.covers("backup.tables"))
        #expect(!some.covers("disk.local"))
        #expect(try PreflightOverrides(["all"]).covers("cloud.object"))
        // A held target is never taken over: not by name, not by `all` (issue 20 item 1).
        #expect(try !PreflightOverrides(["all"]).covers("target.lock"))
        let held = #expect(throws: LifeboatError.self) { try PreflightOverrides(["disk.server,target.lock"]) }
        #expect(
            held?.message.contains("target.lock: a target another run or restore holds cannot be taken over") == true)
        let error = #expect(throws: LifeboatError.self) { try PreflightOverrides(["disk.sever"]) }
        #expect(error?.category == .configuration)
        #expect(error?.message.contains("disk.sever") == true)
    }

    @Test func theGateStopsOnAFailureThatIsNotOverridden() throws {
        let report = PreflightReport(checks: [
            PreflightCheck("disk.server", .fail, "1 MB free, 6 MB needed"),
            PreflightCheck("target.lock", .warn, "cannot ask"),
            PreflightCheck("gpg.secret_key", .ok, "found")
        ])
        #expect(report.failed.map(\.name) == ["disk.server"])
        let refusal = #expect(throws: PreflightRefusal.self) { try report.gate(.none, what: "restore") }
        #expect(refusal?.description.contains("--ignore-preflight disk.server") == true)
        let overrides = try PreflightOverrides(["disk.server"])
        try report.gate(overrides, what: "restore")
        #expect(report.overridden(overrides).map(\.name) == ["disk.server"])
        #expect(report.lines.contains { $0.contains("fail    disk.server") })
    }

    /// An old-format session-key packet (tag 1), as gpg writes it, before the encrypted data.
    static func sessionKeyPacket(keyID: [UInt8]) -> [UInt8] {
        let body: [UInt8] = [3] + keyID + [1] + [UInt8](repeating: 0xAB, count: 20)
        return [0x84, UInt8(body.count)] + body
    }

    @Test func recipientsAreReadFromTheSessionKeyPackets() {
        let first: [UInt8] = [0x6A, 0x09, 0x76, 0xE4, 0x38, 0xE0, 0xC3, 0xAA]
        let second: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
        // New-format packet header (0xC0 | 1) for the second recipient, then SEIPD (tag 18).
        let newFormat = Self.sessionKeyPacket(keyID: second)
        let bytes =
            Self.sessionKeyPacket(keyID: first) + [0xC1, newFormat[1]] + newFormat.dropFirst(2) + [
                0xD2, 0x05, 1, 2, 3, 4, 5
            ]
        #expect(OpenPGPRecipients.keyIDs(in: bytes) == ["6A0976E438E0C3AA", "0102030405060708"])
        #expect(
            OpenPGPRecipients.keyIDs(in: Array("-----BEGIN PGP MESSAGE-----".utf8)) == nil, "armored text is not parsed"
        )
        #expect(OpenPGPRecipients.keyIDs(in: [0xD2, 0x01, 0x00]) == nil, "no session-key packet")
        #expect(OpenPGPRecipients.keyIDs(in: Array(Self.sessionKeyPacket(keyID: first).prefix(5))) == nil, "cut short")
    }

    @Test(arguments: [
        ("docker compose stop app", Preflight.ShellWord.program("docker")),
        ("PATH=/opt/bin:$PATH  /opt/bin/app-ctl stop", .program("/opt/bin/app-ctl")),
        ("cd /srv/app && ./stop.sh", .unknown("cd")),
        ("$APP_CTL stop", .unknown("$APP_CTL")),
        ("echo stop >> /tmp/log", .unknown("echo"))
    ])
    func theFirstProgramOfAShellCommand(command: String, expected: Preflight.ShellWord) {
        #expect(Preflight.firstProgram(ofShellCommand: command) == expected)
    }
}
