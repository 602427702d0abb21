import Testing
@testable import LifeboatCore

/// Issue 18, item 4: DATABASE_URL's password goes only to its own server and the run's scratch
/// cluster, never to another server a runbook names.
@Suite struct ScratchConnectionPasswordTests {
    static let live = "postgresql://app:live-pw@db.example:5432/prod"

    @Test func theConfiguredServerGetsThePassword() throws {
        let conninfo = try ScratchConnection.conninfo("postgresql://app@db.example:5432/other", configured: Self.live)
        #expect(conninfo.contains("live-pw"))
    }

    @Test func theRunsScratchClusterGetsThePassword() throws {
        let scratch = ScratchConnection.url(port: 54999, configured: Self.live)
        let conninfo = try ScratchConnection.conninfo(scratch, configured: Self.live, trusting: [scratch])
        #expect(conninfo.contains("live-pw"))
        let viaLocalhost = try ScratchConnection.conninfo(
            "postgresql://app@localhost:54999/prod", configured: Self.live, trusting: [scratch])
        #expect(viaLocalhost.contains("live-pw"), "localhost and 127.0.0.1 are the same loopback")
    }

    @Test(arguments: [
        "postgresql://app@evil.example:5432/prod",
        "postgresql://app@db.example:6543/prod",
        "postgresql://app@127.0.0.1:54998/prod",
        "host=evil.example user=app dbname=prod"
    ])
    func anyOtherServerDoesNot(url: String) throws {
        let scratch = ScratchConnection.url(port: 54999, configured: Self.live)
        let conninfo = try ScratchConnection.conninfo(url, configured: Self.live, trusting: [scratch])
        #expect(!conninfo.contains("live-pw"), "\(conninfo)")
    }
}
