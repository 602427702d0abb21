import Foundation
import Testing
@testable import LifeboatCore

/// The pipe to pg_dump and psql: 1 MiB deep where the kernel allows it, and still exact.
@Suite struct PipedProcessTests {
    @Test func pipeIsOneMiBDeepWhereTheKernelAllows() throws {
        #if os(Linux)
            let limit =
                Int(
                    (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            let capacity = PipedProcess.enlarge(Pipe())
            if limit >= 1 << 20 || getuid() == 0 {
                #expect(capacity == 1 << 20)
            } else {
                #expect(capacity >= 64 << 10, "the default stays when the kernel refuses")
            }
        #endif
    }

    @Test func everyByteOfAChildComesThrough() throws {
        let child = try PipedProcess(
            program: "sh", executable: "/bin/sh",
            arguments: ["-c", "head -c 3000001 /dev/zero | tr '\\000' x"],
            environment: ProcessInfo.processInfo.environment, direction: .fromChild)
        var total = 0
        var allX = true
        while let chunk = try child.source.next() {
            total += chunk.count
            allX = allX && chunk.allSatisfy { $0 == UInt8(ascii: "x") }
        }
        try child.waitForSuccess()
        #expect(total == 3_000_001)
        #expect(allX)
    }
}
