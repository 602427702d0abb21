import Foundation
import Testing
import LifeboatPostgres

/// The services `scripts/test-env start` provides, read from the variables it exports.
/// Locally, tests are skipped when the environment is not running; under CI (CI=true) they run
/// and fail with a message saying how to start it, so a missing service is never a silent pass.
enum TestEnvironment {
    static let variables = ProcessInfo.processInfo.environment

    static var isAvailable: Bool { variables["LIFEBOAT_TEST_DATABASE_URL"] != nil }
    static var isCI: Bool { variables["CI"]?.lowercased() == "true" }
    /// The trait condition: run when the services exist, or always under CI.
    static var shouldRun: Bool { isAvailable || isCI }

    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String {
            "\(name) is not set: start the services with `scripts/test-env start` and `source .test-env/env.sh`, or run `make test`"
        }
    }

    static func require(_ name: String) throws -> String {
        guard let value = variables[name], !value.isEmpty else { throw Missing(name: name) }
        return value
    }

    static var adminURL: String { get throws { try require("LIFEBOAT_TEST_DATABASE_URL") } }
    /// The bare cluster's maintenance database: a new machine after a total loss, with no
    /// application roles and no databases of its own.
    static var bareAdminURL: String { get throws { try require("LIFEBOAT_TEST_BARE_DATABASE_URL") } }
    static var gnupgHome: String { get throws { try require("LIFEBOAT_TEST_GNUPGHOME") } }
    static var gpgKey: String { get throws { try require("LIFEBOAT_TEST_GPG_KEY") } }
    static var templateDatabase: String { get throws { try require("LIFEBOAT_TEST_TEMPLATE_DB") } }
    static var pgBin: String { get throws { try require("LIFEBOAT_TEST_PGBIN") } }

    /// The URL of `database` on the test server.
    static func url(for database: String) throws -> String {
        let admin = try adminURL
        guard let slash = admin.range(of: "/", options: .backwards) else {
            throw Missing(name: "LIFEBOAT_TEST_DATABASE_URL")
        }
        return admin[..<slash.upperBound] + database
    }
}

/// A database made for one test from the Pagila template (or empty), dropped at the end.
final class ScratchDatabase {
    let name: String
    let url: String

    init(prefix: String = "lbt", fromPagila: Bool = true) throws {
        name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        url = try TestEnvironment.url(for: name)
        let admin = try Connection(try TestEnvironment.adminURL)
        let template = fromPagila ? " TEMPLATE \(Connection.quoteIdentifier(try TestEnvironment.templateDatabase))" : ""
        try admin.query("CREATE DATABASE \(Connection.quoteIdentifier(name))\(template)")
    }

    /// Adopts a database that already exists; it is dropped with this object.
    init(existing name: String) throws {
        self.name = name
        url = try TestEnvironment.url(for: name)
    }

    deinit { try? Self.drop(name) }

    static func drop(_ name: String) throws {
        let admin = try Connection(try TestEnvironment.adminURL)
        try admin.query("DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)")
    }

    func connect() throws -> Connection { try Connection(url) }

    /// Row counts of every ordinary table (partitions included, partitioned parents excluded:
    /// their rows live in the partitions), keyed "schema.table".
    func rowCounts() throws -> [String: Int64] {
        let connection = try connect()
        let tables = try connection.query(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        ).rows
        var counts: [String: Int64] = [:]
        for row in tables {
            let qualified = "\(Connection.quoteIdentifier(row[0]!)).\(Connection.quoteIdentifier(row[1]!))"
            counts["\(row[0]!).\(row[1]!)"] = Int64(
                try connection.query("SELECT count(*) FROM ONLY \(qualified)").scalar ?? "0")
        }
        return counts
    }

    /// A content checksum of a whole table, independent of physical row order.
    func checksum(_ table: String) throws -> String {
        try connect().query("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \(table) t").scalar ?? ""
    }
}

/// A temporary folder removed at the end of the test.
final class ScratchFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}
