import Foundation
import LifeboatCloud

extension Preflight {
    /// `cloud.object`: the backup's object answers a HEAD (its size is the download's), and
    /// its manifest, read from beside it, sizes the other checks. A bare 404 may mean a
    /// missing bucket too, so a listing names the real cause as the fetch itself would.
    func cloudObject(_ name: String, _ facts: inout BackupFacts) -> (BackupFacts, PreflightCheck) {
        // A name that is not a backup's is never sent (dot segments would reach another key);
        // the fetch step refuses it with its own error.
        do { try CloudSync.checkName(name) } catch {
            return (
                facts,
                PreflightCheck(
                    "cloud.object", .warn, "'\(name)' is not a backup file name: the fetch will refuse it",
                    hint: "`lifeboat list --remote` shows the backups in the bucket by name")
            )
        }
        let sync: CloudSync
        do {
            sync = try CloudSync(configuration: configuration)
        } catch {
            let failure = LifeboatError.wrap(error, stage: "cloud")
            return (
                facts,
                PreflightCheck("cloud.object", .fail, "cannot reach the bucket: \(failure.message)", hint: failure.hint)
            )
        }
        let key = sync.key(for: name)
        facts.place = "\(sync.store.location)/\(key)"
        do {
            guard let object = try sync.store.head(key) else {
                _ = try? sync.store.list(prefix: key)
                return (
                    facts,
                    PreflightCheck(
                        "cloud.object", .fail, "\(facts.place) does not exist",
                        hint: "`lifeboat list --remote` shows what the bucket holds")
                )
            }
            facts.fileBytes = object.size
            var figure = "\(facts.place) is there, \(ByteSize.decimal(object.size))"
            if try sync.store.head(key + ".manifest.json") != nil {
                var bytes: [UInt8] = []
                try sync.store.download(key + ".manifest.json", from: 0) { bytes += $0 }
                do { facts.manifest = try BackupManifest.decode(bytes) } catch {
                    facts.manifestProblem = "its manifest in the bucket cannot be read: \(error)"
                }
                figure += ", with its manifest"
            } else {
                figure += ", without a manifest (sizes and versions cannot be checked)"
            }
            return (
                facts,
                PreflightCheck(
                    "cloud.object", facts.manifest == nil ? .warn : .ok, figure,
                    hint: facts.manifestProblem ?? "upload the manifest beside the backup (`lifeboat sync`)")
            )
        } catch let error as CloudError {
            return (
                facts,
                PreflightCheck("cloud.object", .fail, "\(sync.store.location): \(error.description)", hint: error.hint)
            )
        } catch {
            return (facts, PreflightCheck("cloud.object", .fail, "\(facts.place): \(error)"))
        }
    }

    /// `cloud.object` when the backup could not be chosen in the bucket: the bucket is asked
    /// once more, and a bucket that does not answer fails the check, because every step after
    /// the choice needs it (a run would only fail at its first step). A bucket that answers
    /// leaves the warning: the choice itself failed, and the run's selection step says why.
    func cloudUnresolved(_ why: String) -> PreflightCheck {
        let failure: LifeboatError
        do {
            let sync = try CloudSync(configuration: configuration)
            do {
                _ = try sync.store.list(prefix: sync.folder)
                return PreflightCheck(
                    "cloud.object", .warn, "no backup could be chosen in the bucket: \(why)",
                    hint: "check BACKUP_CLOUD_* and `lifeboat list --remote`")
            } catch let error as CloudError {
                return PreflightCheck(
                    "cloud.object", .fail, "cannot reach the bucket \(sync.store.location): \(error.description)",
                    hint: (error.hint.map { $0 + "; " } ?? "")
                        + "this runbook fetches its backup from the bucket, so it cannot run without it")
            } catch {
                failure = LifeboatError.wrap(error, stage: "cloud")
            }
        } catch {
            failure = LifeboatError.wrap(error, stage: "cloud")
        }
        return PreflightCheck(
            "cloud.object", .fail, "cannot reach the bucket: \(failure.message)",
            hint: failure.hint ?? "this runbook fetches its backup from the bucket, so it cannot run without it")
    }
}
