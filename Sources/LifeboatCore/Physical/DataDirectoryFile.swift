import Foundation

/// A file Lifeboat writes inside a cluster's data directory (postgresql.auto.conf, pg_hba.conf,
/// recovery settings), written by the cluster's owner and not by us.
///
/// The data directory belongs to that user, who can put a symbolic link (or swap a folder) where
/// Lifeboat is about to write; Lifeboat often runs as root, and root writing through such a link
/// could overwrite any file on the host. Written by the owner, the kernel checks the owner's
/// rights, so the worst a planted link can do is what the owner could do anyway. As the owner
/// already, the file is opened with O_NOFOLLOW.
public struct DataDirectoryFile: Sendable {
    public let path: String
    public let owner: RunAsUser

    public init(path: String, owner: RunAsUser) {
        self.path = path
        self.owner = owner
    }

    /// Replaces the file's content (created 0600 when new, as PostgreSQL's own files are).
    public func write(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if owner.isCurrentUser {
            try writeDirectly(Array(text.utf8))
            return
        }
        // `cat > FILE` in the owner's shell: umask 077 makes a new file 0600.
        var command = CapturedCommand(
            owner.wrap(["/bin/sh", "-c", #"umask 077 && cat > "$1""#, "lifeboat-write", path]),
            environment: environment, timeout: 60)
        command.input = Array(text.utf8)
        let output = try command.run(stage: "postgres")
        guard output.succeeded else {
            throw LifeboatError(
                stage: "postgres",
                message: "\(owner.user) could not write \(path) (\(output.summary)): "
                    + (PgBackRest.lastLine(output.stderr) ?? "no output"),
                hint: "check that \(owner.user) owns the data directory and that the disk has room")
        }
    }

    private func writeDirectly(_ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LifeboatError(
                stage: "postgres", message: "cannot write \(path): \(String(cString: strerror(errno)))",
                hint: "a symbolic link there is refused on purpose; check the data directory's files")
        }
        defer { close(fd) }
        var rest = bytes[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw LifeboatError(
                    stage: "postgres", message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            rest = rest.dropFirst(written)
        }
    }
}
