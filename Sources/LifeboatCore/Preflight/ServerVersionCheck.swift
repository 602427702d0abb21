import Foundation
import LifeboatStreams

extension Preflight {
    /// `server.version`: the target server's major version is not older than the one the dump
    /// came from (a dump can use syntax and catalogs an older server does not have). The
    /// dump's version is the manifest's `server_version`, else pg_dump's header line.
    func serverVersion(_ subject: PreflightSubject, _ backup: BackupFacts, _ server: ServerFacts?) -> PreflightCheck {
        let name = "server.version"
        guard subject.serverWork != .none else {
            return PreflightCheck(name, .skipped, "nothing is restored on the server")
        }
        if let refused = server?.loginRefused {
            // Not a version question, and not one --ignore-preflight gets past: every step needs the login.
            return PreflightCheck(name, .fail, refused.message, hint: refused.hint)
        }
        guard let server, server.unreachable == nil, let target = server.version else {
            return PreflightCheck(
                name, .fail, "the server cannot be asked: \(server?.unreachable ?? "no connection")",
                hint: "a restore needs the server: check DATABASE_URL and that PostgreSQL runs")
        }
        let serverText = "the server is PostgreSQL \(server.versionText ?? target.description)"
        let dumped: PostgresVersion?
        let source: String
        if let manifest = backup.manifest {
            dumped = PostgresVersion(manifest.serverVersion)
            source = "its manifest says \(manifest.serverVersion.split(separator: " ").first ?? "")"
        } else if case .local(let url) = subject.backup, backup.readable, !signaturesRequired,
            let header = Self.dumpHeader(url, gnupgHome: configuration.gnupgHome)
        {
            dumped = PostgresVersion.dumpedFrom(header)
            source = "its SQL header"
        } else {
            dumped = nil
            source = ""
        }
        guard let dumped else {
            return PreflightCheck(
                name, .warn,
                "\(serverText); the dump's version is unknown: \(backup.missingManifest)"
                    + (backup.unresolved == nil && backup.encrypted ? ", and its SQL header could not be read" : ""),
                hint: "check the `-- Dumped from database version` line of the SQL by hand")
        }
        if dumped > target {
            return PreflightCheck(
                name, .fail, "\(serverText), older than the dump's \(dumped) (from \(source))",
                hint: "restore onto a PostgreSQL \(dumped) or newer server; an older one may not understand the dump")
        }
        return PreflightCheck(name, .ok, "\(serverText), not older than the dump's \(dumped) (\(source))")
    }

    /// A backup without a manifest has no signature: where signatures are required, its bytes
    /// are not read (not even by gpg) before the restore's own check refuses or accepts it.
    private var signaturesRequired: Bool { !((try? configuration.trustedSigners()) ?? []).isEmpty }

    /// The first few KiB of a backup's SQL, for pg_dump's header: read through the same
    /// reverse pipeline as a restore, stopped as soon as enough has arrived. Nil when nothing
    /// could be read (an encrypted file whose key is missing, a damaged file).
    static func dumpHeader(_ url: URL, gnupgHome: String?) -> String? {
        var reader = BackupReader(file: url, manifest: nil)
        reader.gnupgHome = gnupgHome
        let sink = HeadSink(limit: 8192)
        do { _ = try reader.stream(to: sink) } catch {}
        return sink.bytes.isEmpty ? nil : String(decoding: sink.bytes, as: UTF8.self)
    }
}

/// Keeps the first `limit` bytes, then stops the pipeline by failing its next write.
private final class HeadSink: ByteSink {
    struct Enough: Error {}
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    func write(_ chunk: [UInt8]) throws {
        guard bytes.count < limit else { throw Enough() }
        bytes += chunk.prefix(limit - bytes.count)
    }
}
