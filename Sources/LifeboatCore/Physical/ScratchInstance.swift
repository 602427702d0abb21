import Foundation

/// A throwaway PostgreSQL cluster made by a PITR drill: `FOLDER/pgdata` (the restored data
/// directory), `FOLDER/sock` (its Unix socket), `FOLDER/postgres.log` (its whole server log),
/// all owned by the OS user PostgreSQL runs as, mode 0700. A marker file says Lifeboat made the
/// folder, so that cleanup never removes anything else, whatever a journal says.
public struct ScratchInstance: Sendable, Equatable {
    public static let marker = ".lifeboat-scratch"

    public let folder: String
    public let port: Int
    public var dataDirectory: String { folder + "/pgdata" }
    public var socketDirectory: String { folder + "/sock" }
    public var logFile: String { folder + "/postgres.log" }
    public var tablespaces: String { folder + "/tablespaces" }

    public init(folder: String, port: Int) {
        self.folder = folder
        self.port = port
    }

    /// Made by Lifeboat (it holds the marker file).
    public static func isScratch(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: folder + "/" + marker)
    }

    /// The lines appended to the scratch's postgresql.auto.conf (read last, so they win over
    /// the live cluster's settings restored with the data): its own port, socket and log, and
    /// nothing that could reach the live cluster's WAL archive, replicas or files.
    public func overrides() -> String {
        let settings: [(String, String)] = [
            ("port", String(port)),
            ("listen_addresses", "127.0.0.1"),
            ("unix_socket_directories", socketDirectory),
            // A drill must never push WAL into the live repository (its new timeline would
            // confuse the next real recovery).
            ("archive_mode", "off"),
            ("archive_command", ""),
            ("archive_library", ""),
            ("primary_conninfo", ""),
            ("primary_slot_name", ""),
            ("synchronous_standby_names", ""),
            ("hot_standby", "on"),
            // Everything in our -l file, none of it in the live cluster's log folder.
            ("logging_collector", "off"),
            ("cluster_name", "lifeboat-drill"),
            ("external_pid_file", ""),
            ("hba_file", dataDirectory + "/pg_hba.conf"),
            ("ident_file", dataDirectory + "/pg_ident.conf")
        ]
        return "\n# Lifeboat PITR drill: a scratch cluster, never the live one\n"
            + settings.map { "\($0.0) = '\($0.1.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: "\n")
            + "\n"
    }

    /// postgresql.conf lines that point at the live cluster's files or folders (a packaged
    /// server keeps its configuration under /etc and names its data directory there).
    public static func liveReferences(_ text: String) -> [String] {
        let risky = ["data_directory", "config_file", "include", "include_dir", "include_if_exists"]
        return text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"),
                let name = line.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "\t" }).first
            else { return nil }
            return risky.contains(String(name).lowercased()) ? line : nil
        }
    }
}
