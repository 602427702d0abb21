import Foundation

extension Preflight {
    /// `disk.server`: free space where the server keeps its data against the dump's size
    /// times the margin. Measurable only when the server runs on this machine; otherwise it
    /// warns with the figure to check by hand.
    func serverDisk(_ subject: PreflightSubject, _ backup: BackupFacts, _ server: ServerFacts?) -> PreflightCheck {
        let name = "disk.server"
        guard subject.serverWork != .none else {
            return PreflightCheck(name, .skipped, "nothing is restored on the server")
        }
        do { _ = try configuration.decimal(.preflightDiskMargin) } catch let error as LifeboatError {
            return PreflightCheck(name, .fail, error.message, hint: error.hint)
        } catch {}
        guard let dumpBytes = backup.manifest?.dumpBytes else {
            return PreflightCheck(
                name, .warn, "the restore's size is unknown: \(backup.missingManifest)",
                hint:
                    "check the server's free space by hand: a restore needs about \(DiskRequirement.format(margin))× the plain SQL's size"
            )
        }
        let freed = subject.serverWork == .replace ? (server?.targetBytes ?? 0) : 0
        let requirement = DiskRequirement.server(dumpBytes: dumpBytes, margin: margin, freedFirst: freed)
        let needed = ByteSize.decimal(requirement.neededBytes)
        guard let server, server.unreachable == nil else {
            return PreflightCheck(
                name, .warn, "cannot measure: the server did not answer; \(needed) needed (\(requirement.basis))",
                hint: server?.unreachable)
        }
        guard let directory = server.dataDirectory else {
            return PreflightCheck(
                name, .warn,
                "cannot measure: \(server.dataDirectoryProblem ?? "the server did not name its data directory"); \(needed) needed (\(requirement.basis))",
                hint: "check the free space of the server's data directory by hand (`df` there)")
        }
        guard server.dataDirectoryIsHere else {
            return PreflightCheck(
                name, .warn,
                "cannot measure from here: the server's data directory \(directory) is on another machine (or in a container); \(needed) needed (\(requirement.basis))",
                hint: "check with `df -h \(directory)` on the database server")
        }
        let free: Int64
        do { free = try DiskSpace.freeBytes(at: URL(fileURLWithPath: directory)) } catch {
            return PreflightCheck(name, .warn, "cannot measure \(directory): \(error)")
        }
        let status = DiskRequirement.verdict(free: free, needed: requirement.neededBytes, reserve: reserveBytes)
        let figure = "\(ByteSize.decimal(free)) free in \(directory), \(needed) needed (\(requirement.basis))"
        switch status {
        case .fail:
            return PreflightCheck(
                name, .fail, figure,
                hint: "free space on the server's disk"
                    + (subject.serverWork == .newDatabase
                        ? ", or restore with --in-place (the live database is dropped first, no second copy)" : ""))
        case .warn:
            return PreflightCheck(
                name, .warn, figure + "; it would leave less than BACKUP_DISK_MIN_FREE_GB",
                hint: "it fits, but the server's disk will be nearly full afterwards")
        default:
            return PreflightCheck(name, status, figure)
        }
    }
}
