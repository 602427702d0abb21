import Foundation
import Testing
import LifeboatCore
import LifeboatCloud

/// Azure Blob through the real `lifeboat` binary, against `Tests/Fixtures/azure/fake_azure_blob.py`:
/// a local stand-in (no Azure emulator installs here) that checks every request's Shared Key
/// signature with its own, independently written string-to-sign and keeps blobs in memory.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct AzureTests {
    @Test func uploadListFetchVerifyAndResume() throws {
        let azure = try FakeAzure()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try azure.environment(database, folder)
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let name = file.lastPathComponent
        // Small enough for one Put Blob, then its manifest.
        #expect(
            azure.requests.contains("PUT /devstoreaccount1/\(azure.container)/backups/\(name) 201"), "\(azure.requests)"
        )
        #expect(azure.requests.contains("PUT /devstoreaccount1/\(azure.container)/backups/\(name).manifest.json 201"))

        let list = try Command.lifeboat(["list", "--remote", "--json"], environment: environment)
        try #require(list.succeeded, "\(list.stderr)")
        let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.compactMap { $0["name"] as? String } == [name])
        #expect(listed?.first?["has_manifest"] as? Bool == true)
        #expect(listed?.first?["size"] as? Int == Int(manifest.fileBytes))

        let elsewhere = try ScratchFolder()
        var fetchEnvironment = environment
        fetchEnvironment["BACKUP_DIR"] = elsewhere.path
        let fetch = try Command.lifeboat(["fetch", name], environment: fetchEnvironment)
        try #require(fetch.succeeded, "\(fetch.stderr)")
        #expect(try Data(contentsOf: elsewhere.url.appendingPathComponent(name)) == Data(contentsOf: file))
        let verify = try Command.lifeboat(
            ["verify", elsewhere.url.appendingPathComponent(name).path], environment: fetchEnvironment)
        #expect(verify.status == 0, "\(verify.stderr)")

        // A partial download holding the first half resumes with x-ms-range from its length.
        let third = try ScratchFolder()
        let half = Int(manifest.fileBytes / 2)
        try Data(contentsOf: file).prefix(half).write(to: third.url.appendingPathComponent(".\(name).partial"))
        fetchEnvironment["BACKUP_DIR"] = third.path
        let resumed = try Command.lifeboat(["fetch", name, "--json"], environment: fetchEnvironment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
        #expect(report?["resumed_from"] as? Int == half)
        #expect(report?["downloaded"] as? Int == Int(manifest.fileBytes) - half)
        #expect(
            azure.requests.contains(
                "GET /devstoreaccount1/\(azure.container)/backups/\(name) 206 x-ms-range=bytes=\(half)-"),
            "\(azure.requests)")
        #expect(try Data(contentsOf: third.url.appendingPathComponent(name)) == Data(contentsOf: file))
    }

    @Test func largeFileGoesUpAsBlocks() throws {
        let azure = try FakeAzure()
        let database = try ScratchDatabase(fromPagila: false)
        let pgbench = try Command.run(
            try TestEnvironment.pgBin + "/pgbench", ["-i", "-q", "-s", "1", "-d", database.url])
        try #require(pgbench.succeeded, "\(pgbench.stderr)")
        let folder = try ScratchFolder()
        var environment = try azure.environment(database, folder)
        environment["BACKUP_CLOUD_MULTIPART_THRESHOLD_MB"] = "5"
        environment["BACKUP_CLOUD_PART_SIZE_MB"] = "5"
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--no-compress", "--no-encrypt", "--upload"], environment)
        let name = file.lastPathComponent
        let size = try #require(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue)
        let blocks = (size + (5 << 20) - 1) / (5 << 20)
        #expect(blocks >= 2, "big enough for several blocks")
        // Request lines are `METHOD /target STATUS ...`; query parameters in any order.
        let blob = "PUT /devstoreaccount1/\(azure.container)/backups/\(name)"
        let lines = azure.requests.split(separator: "\n").map(String.init)
        let putBlocks = lines.filter { line in
            guard line.hasPrefix(blob + "?"), let target = line.split(separator: " ").dropFirst().first else {
                return false
            }
            return target.split(separator: "?").last?.split(separator: "&").contains("comp=block") == true
        }
        #expect(putBlocks.count == blocks, "\(azure.requests)")
        #expect(putBlocks.allSatisfy { $0.contains("blockid=") && $0.contains(" 201 ") })
        #expect(lines.filter { $0 == blob + "?comp=blocklist 201 x-ms-range=-" }.count == 1)
        #expect(!lines.contains { $0 == blob + " 201 x-ms-range=-" }, "no single Put Blob for the big file")

        let elsewhere = try ScratchFolder()
        var fetchEnvironment = environment
        fetchEnvironment["BACKUP_DIR"] = elsewhere.path
        let fetch = try Command.lifeboat(["fetch", name], environment: fetchEnvironment)
        try #require(fetch.succeeded, "\(fetch.stderr)")
        #expect(try Data(contentsOf: elsewhere.url.appendingPathComponent(name)) == Data(contentsOf: file))
        let verify = try Command.lifeboat(
            ["verify", elsewhere.url.appendingPathComponent(name).path], environment: fetchEnvironment)
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func pruneDeletesTheOlderOfTwoRemoteBackups() throws {
        let azure = try FakeAzure()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try azure.environment(database, folder)
        let (older, _) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--compress", "--no-encrypt", "--upload"], environment)
        Thread.sleep(forTimeInterval: 1.1)  // names have one-second resolution
        let (newer, _) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--compress", "--no-encrypt", "--upload"], environment)
        #expect(older.lastPathComponent < newer.lastPathComponent)
        // A key that is not a backup is never touched.
        let store = try azure.store()
        _ = try store.upload(older, to: "backups/notes.txt")

        environment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"
        environment["BACKUP_RETENTION_MANUAL"] = "1"
        let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
        try #require(prune.succeeded, "\(prune.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [String: Any]
        #expect(report?["removed_remote"] as? [String] == ["backups/\(older.lastPathComponent)"])
        let remaining = try store.list(prefix: "").map(\.key).sorted()
        #expect(
            remaining == [
                "backups/\(newer.lastPathComponent)", "backups/\(newer.lastPathComponent).manifest.json",
                "backups/notes.txt"
            ])
        // Five keys at two per page: the listing followed NextMarker.
        #expect(azure.requests.contains("marker="), "\(azure.requests)")
    }

    @Test func wrongKeyIs403AuthenticationFailedAndNeverPrinted() throws {
        let azure = try FakeAzure()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try azure.environment(database, folder)
        let wrongKey = FakeAzure.randomKey()
        environment["AZURE_STORAGE_KEY"] = wrongKey
        let result = try Command.lifeboat(["backup", "--type", "daily", "--upload"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("403"), "\(result.stderr)")
        #expect(result.stderr.contains("AuthenticationFailed"), "\(result.stderr)")
        #expect(result.stderr.contains("local backup"), "the local backup is kept and the message says so")
        for secret in [wrongKey, azure.key] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "a key was printed")
        }

        // A missing container is named as such; a malformed key is a configuration error that does not echo it.
        environment["AZURE_STORAGE_KEY"] = azure.key
        environment["AZURE_STORAGE_CONTAINER"] = "no-such-container"
        let missing = try Command.lifeboat(["list", "--remote"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("404 ContainerNotFound"), "\(missing.stderr)")
        environment["AZURE_STORAGE_KEY"] = "not-base64-secret-value!"
        let malformed = try Command.lifeboat(["list", "--remote"], environment: environment)
        #expect(malformed.status == 2, "\(malformed.stderr)")
        #expect(malformed.stderr.contains("AZURE_STORAGE_KEY is not valid base64"))
        #expect(!malformed.stderr.contains("secret-value"))
    }
}

/// The fake Azure Blob service, on a free loopback port for one test; stopped with this object.
final class FakeAzure {
    static let account = "devstoreaccount1"
    let container = "lifeboat-\(UInt32.random(in: 0...UInt32.max))"
    let key = FakeAzure.randomKey()
    let port: Int
    let log: URL
    private let process = Process()

    var endpoint: String { "http://127.0.0.1:\(port)/\(Self.account)" }

    static func randomKey() -> String {
        Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    init() throws {
        port = try Self.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("fake-azure-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/azure/fake_azure_blob.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", script.path, "--port", String(port), "--account", Self.account, "--key", key,
            "--container", container
        ]
        // A file, not a pipe: nobody drains a pipe while the tests run, and a full one would stall the server.
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.close()
        // a guard against a hang, not a timing assumption: a busy machine may take long
        let deadline = Date().addingTimeInterval(120)
        while !logText.hasPrefix("ready") {
            guard process.isRunning, Date() < deadline else {
                let text = logText
                stop()
                throw Failure(description: "the fake Azure server did not start: \(text)")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// SIGKILL: children of the test runner start with SIGTERM blocked, so `terminate()` would
    /// leave the server running and `waitUntilExit()` waiting for ever.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    /// One line per request: `METHOD /target STATUS x-ms-range=...`.
    var requests: String { logText }

    /// The backup environment for `database` and `folder`, with Azure as the cloud provider.
    func environment(_ database: ScratchDatabase, _ folder: ScratchFolder) throws -> [String: String?] {
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["BACKUP_CLOUD_PROVIDER"] = "azure"
        environment["AZURE_STORAGE_ACCOUNT"] = Self.account
        environment["AZURE_STORAGE_KEY"] = key
        environment["AZURE_STORAGE_CONTAINER"] = container
        environment["AZURE_STORAGE_ENDPOINT"] = endpoint
        // CloudStores still demands BACKUP_CLOUD_BUCKET; AZURE_STORAGE_CONTAINER must win over it.
        environment["BACKUP_CLOUD_BUCKET"] = "not-the-azure-container"
        return environment
    }

    func store() throws -> AzureBlobStore {
        try AzureBlobStore(settings: .init(account: Self.account, container: container, endpoint: endpoint), key: key)
    }

    /// A port nobody listens on now: bind to port 0, read the port back, let it go.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
