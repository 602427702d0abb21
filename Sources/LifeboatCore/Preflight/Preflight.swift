import Foundation
import LifeboatCloud

/// The checks run before anything changes (`lifeboat restore`, `runbook plan`, `runbook run`,
/// `drill`): room on the server and locally, server versions, the decryption key, the cloud
/// object, the services' programs, and the target's locks. Every check only reads; a check
/// that cannot apply says why instead of passing silently.
public struct Preflight {
    public let configuration: LifeboatConfiguration
    public var services: (any ServiceProvider)?
    /// Who holds a target's run lock (file or server advisory lock), or nil when it is free.
    /// Run locks belong to the runbook engine, which supplies this.
    public var runLockHolder: (@Sendable (String) -> String?)?
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    /// What the checks learned about the backup itself.
    struct BackupFacts {
        var manifest: BackupManifest?
        var manifestProblem: String?
        /// The backup file's size (local file or cloud object).
        var fileBytes: Int64?
        var encrypted = false
        /// A local backup that is a regular file: only then is it opened (a FIFO read here
        /// would take the bytes the run needs).
        var readable = false
        /// Where the backup is, for messages.
        var place = ""
        /// Why the backup is not known before the run, when it is not.
        var unresolved: String?

        /// Why sizes and versions cannot be known: no backup yet, or no manifest.
        var missingManifest: String {
            unresolved == nil
                ? manifestProblem ?? "the backup has no manifest" : "no backup chosen yet (see gpg.secret_key)"
        }
    }

    public func run(_ subject: PreflightSubject) -> PreflightReport {
        var checks: [PreflightCheck] = []
        let (backup, cloudCheck) = backupFacts(subject)
        let timeout = Duration.seconds((try? configuration.int(.connectTimeout)) ?? 10)
        let server =
            subject.serverWork == .none && !subject.checksLock
            ? nil
            : ServerFacts.gather(conninfo: configuration.databaseURL ?? "", target: subject.target, timeout: timeout)
        checks.append(serverDisk(subject, backup, server))
        checks.append(localDisk(subject, backup))
        checks.append(serverVersion(subject, backup, server))
        checks.append(serverObjects(subject, backup, server))
        checks.append(backupChoice(subject))
        checks.append(tables(subject, backup))
        checks.append(secretKey(subject, backup))
        checks.append(cloudCheck)
        checks.append(serviceCommands(subject))
        checks.append(targetLock(subject, server))
        return PreflightReport(checks: checks)
    }

    /// The restore margin (LIFEBOAT_PREFLIGHT_DISK_MARGIN) and the low-disk reserve
    /// (BACKUP_DISK_MIN_FREE_GB) the disk checks measure against; a margin that does not
    /// parse fails `disk.server`.
    var margin: Double { ((try? configuration.decimal(.preflightDiskMargin)) ?? nil) ?? DiskRequirement.defaultMargin }
    var reserveBytes: Int64 {
        let gigabytes = ((try? configuration.decimal(.diskMinFreeGB)) ?? nil) ?? 10
        let bytes = gigabytes * ByteSize.gigabyte
        return bytes >= Double(Int64.max) ? .max : Int64(bytes)
    }

    /// The manifest and size of the backup, from beside the file or from the bucket (the
    /// cloud.object check, which reads them there, comes back too).
    func backupFacts(_ subject: PreflightSubject) -> (BackupFacts, PreflightCheck) {
        var facts = BackupFacts()
        switch subject.backup {
        case .local(let url):
            facts.place = url.path
            facts.encrypted = url.lastPathComponent.hasSuffix(".gpg")
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            facts.readable = attributes?[.type] as? FileAttributeType == .typeRegular
            facts.fileBytes = facts.readable ? (attributes?[.size] as? NSNumber)?.int64Value : nil
            let manifestURL = URL(fileURLWithPath: url.path + ".manifest.json")
            if FileManager.default.fileExists(atPath: manifestURL.path) {
                do { facts.manifest = try BackupManifest.read(from: manifestURL) } catch {
                    facts.manifestProblem = "its manifest cannot be read: \(error)"
                }
            }
            return (facts, PreflightCheck("cloud.object", .skipped, "the backup is a local file"))
        case .unresolved(let why, let fromCloud):
            facts.place = "(unknown)"
            facts.unresolved = why
            return (
                facts,
                fromCloud
                    ? cloudUnresolved(why)
                    : PreflightCheck("cloud.object", .skipped, "the backup would come from BACKUP_DIR")
            )
        case .cloud(let name):
            facts.encrypted = name.hasSuffix(".gpg")
            return cloudObject(name, &facts)
        }
    }
}
