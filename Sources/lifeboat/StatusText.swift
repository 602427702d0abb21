import Foundation
import LifeboatCore

/// `lifeboat status` for a person woken at 3 a.m.: the verdict and its reasons on the first
/// lines, then one short section per concern, every time in the schedules' time zone with the
/// zone written out, sizes as `list` (backups) and the disk warning (free space) show them.
enum StatusText {
    static func render(_ output: StatusOutput) -> String {
        let status = output.status
        let zone = TimeZone(identifier: status.schedule.timeZone) ?? TimeZone(identifier: "UTC")!
        let now = status.checkedAt
        func time(_ date: Date?) -> String { date.map { SystemStatusProbe.format($0, zone) } ?? "never" }
        var lines: [String] = []

        if status.healthy {
            lines.append("lifeboat status at \(time(now)): healthy")
        } else {
            lines.append(
                "lifeboat status at \(time(now)): UNHEALTHY (\(status.problems.count) problem\(status.problems.count == 1 ? "" : "s"))"
            )
            lines += status.problems.map { "  PROBLEM: \($0)" }
        }
        lines.append("")

        let database = status.database
        if database.reachable {
            var place = database.name ?? "?"
            if let host = database.host { place += " on \(host)" + (database.port.map { ":\($0)" } ?? "") }
            var line = "database   reachable: \(place), PostgreSQL \(database.serverVersion ?? "?")"
            if let size = database.sizeBytes { line += ", \(ByteSize.decimal(size))" }
            lines.append(line)
        } else {
            lines.append("database   UNREACHABLE: \(database.error ?? "no answer")")
            if let hint = database.hint { lines.append("             → \(hint)") }
        }
        if let pool = status.pool {
            let overflow = pool.maxOverflow.map { "max overflow \($0)" } ?? "no overflow limit"
            lines.append(
                "pool       size \(pool.size), checked in \(pool.checkedIn), checked out \(pool.checkedOut), overflow \(pool.overflow)"
                    + " (\(overflow), timeout \(ByteSize.seconds(pool.timeoutSeconds)))")
        }
        lines.append("")

        lines.append("backups in \(status.backups.directory)")
        if let error = status.backups.error { lines.append("  cannot read the folder: \(error)") }
        var rows = [["TYPE", "NEWEST", "AGE", "SIZE", "VERIFIED", "STATE"]]
        for type in status.backups.types {
            let newest = type.newest
            let state: String
            if type.job == nil {
                state = type.type == .manual ? "not scheduled" : "not scheduled (BACKUP_ENABLED=false)"
            } else if type.stale {
                state = newest == nil ? "STALE: none yet" : "STALE since \(time(type.staleAfter))"
            } else {
                state = "ok until \(time(type.staleAfter))"
            }
            rows.append([
                type.type.rawValue, newest?.name ?? "none",
                newest.map { Terminal.age(since: $0.time, now: now) } ?? "-",
                newest.map { Terminal.bytes($0.sizeBytes) } ?? "-",
                newest.map { $0.verification + ($0.verifiedAt.map { " \(BackupName.format($0))" } ?? "") } ?? "-", state
            ])
        }
        lines += table(rows, indent: "  ")
        lines.append("")

        let schedule = status.schedule
        lines.append("schedule (\(schedule.timeZone))")
        if schedule.jobs.isEmpty {
            lines.append("  no jobs: BACKUP_ENABLED is false and no LIFEBOAT_DRILL_SCHEDULE is set")
        }
        var jobRows: [[String]] = []
        for job in schedule.jobs {
            let last: String
            if let run = job.lastRun {
                last =
                    "last \(time(run)) \(job.lastOutcome ?? "")"
                    + (job.lastWorker.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
            } else {
                last = schedule.lastRunsKnown ? "never run by a worker" : "last run unknown"
            }
            jobRows.append([job.name, job.schedule, "next \(time(job.nextRun))", last])
        }
        lines += table(jobRows, indent: "  ")
        if let error = schedule.lastRunsError { lines.append("  last runs unknown: \(error)") }
        lines.append("")

        if let drills = output.drills {
            lines += StatusText.drills(drills, now: now, time: time)
            lines.append("")
        }

        let disk = status.disk
        if let free = disk.freeBytes {
            lines.append(
                "disk       \(disk.directory): \(ByteSize.decimal(free)) free"
                    + ((disk.low ?? false) ? ", LOW: below" : ", warns below")
                    + " \(ByteSize.decimal(disk.thresholdBytes)) (BACKUP_DISK_MIN_FREE_GB)")
        } else {
            lines.append("disk       \(disk.directory): free space unknown: \(disk.error ?? "?")")
        }
        lines += footprint(disk)
        lines.append("")

        if let physical = status.physical {
            lines += StatusText.physical(physical, now: now, time: time)
            lines.append("")
        }

        if let signing = status.signing { lines += StatusText.signing(signing) }

        let cloud = status.cloud
        if !cloud.enabled {
            lines.append("cloud      off (BACKUP_CLOUD_SYNC_ENABLED=false)")
        } else if cloud.reachable == true {
            let newest =
                cloud.newest.map { name in
                    "newest \(name)" + (cloud.newestTime.map { " (\(Terminal.age(since: $0, now: now)) old)" } ?? "")
                } ?? "no backups there yet"
            lines.append(
                "cloud      \(cloud.location ?? "?"): reachable, \(cloud.backupCount ?? 0) backup\(cloud.backupCount == 1 ? "" : "s"), \(newest)"
            )
        } else {
            lines.append("cloud      ERROR: cannot list \(cloud.location ?? "the bucket"): \(cloud.error ?? "?")")
        }
        lines.append("")

        if output.runbookRuns.isEmpty {
            lines.append("runs       none running, interrupted or failed")
        } else {
            lines.append(
                "runs       \(output.runbookRuns.count) open (`lifeboat runbook status RUN_ID` for the details)")
            var runRows = [["RUN ID", "RUNBOOK", "STATUS", "LAST STEP", "STARTED"]]
            for run in output.runbookRuns {
                let step = run.lastStep.map { "\($0) (\(run.lastStepStatus ?? "?"))" } ?? "-"
                runRows.append([
                    run.runId, run.runbook + (run.drill ? " (drill)" : ""), run.status, step, time(run.startedAt)
                ])
            }
            lines += table(runRows, indent: "  ")
        }
        if let error = output.runbookRunsError { lines.append("  \(error)") }
        if output.leftovers.isEmpty {
            lines.append("leftovers  none" + (output.leftoversError.map { "; \($0)" } ?? ""))
        } else {
            lines.append("leftovers  \(output.leftovers.count) that no live run owns (`lifeboat cleanup` removes them)")
            lines += output.leftovers.map { "  \($0.line)" }
            if let error = output.leftoversError { lines.append("  \(error)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Average size × retention count per type, then the total against the room for it.
    /// One or two lines: whether backups are signed, and whose backups this host restores.
    static func signing(_ signing: SigningStatus) -> [String] {
        var lines: [String] = []
        if let key = signing.signingKey {
            lines.append(
                signing.error.map { "signing    ERROR: \($0)" }
                    ?? "signing    on: backups are signed by \(key)" + (signing.signingUserID.map { " (\($0))" } ?? ""))
        } else {
            lines.append("signing    off (BACKUP_SIGNING_KEY unset): backups are not signed")
        }
        lines.append(
            signing.checksSignatures
                ? "trust      restores only backups signed by \(signing.trustedSigners.joined(separator: ", ")) (others need --allow-unsigned)"
                : "trust      no signature check (BACKUP_TRUSTED_SIGNERS unset): any backup in BACKUP_DIR or the bucket is restored"
        )
        lines.append("")
        return lines
    }

    static func footprint(_ disk: SystemStatus.Disk) -> [String] {
        let footprint = disk.footprint
        var rows: [[String]] = []
        for share in footprint.shares {
            let now = "now \(share.count), \(ByteSize.decimal(share.currentBytes))"
            guard let retention = share.retention else {
                rows.append([share.type.rawValue, "keeps all: counted as what is there", now])
                continue
            }
            guard let average = share.averageBytes else {
                rows.append([
                    share.type.rawValue,
                    share.projectedBytes == 0 ? "no backups, none scheduled: 0 B" : "unknown until a first backup", now
                ])
                continue
            }
            let from = share.averageSource == "this type" ? "" : " (average of all backups)"
            rows.append([
                share.type.rawValue,
                "\(retention) × \(ByteSize.decimal(average)) = \(ByteSize.decimal(share.projectedBytes ?? 0))\(from)",
                now
            ])
        }
        var lines =
            ["footprint  what retention keeps when full (average size × retention count):"] + table(rows, indent: "  ")
        guard let projected = footprint.projectedBytes else {
            lines.append("  total unknown until the first backup")
            return lines
        }
        guard let available = footprint.availableBytes, let headroom = footprint.headroomBytes else {
            lines.append("  total \(ByteSize.decimal(projected)); free space unknown")
            return lines
        }
        let room =
            "room \(ByteSize.decimal(available)) (free + \(ByteSize.decimal(footprint.currentBytes)) of backups now)"
        if headroom >= 0 {
            let warn = headroom < disk.thresholdBytes ? ", below the low-space threshold" : ""
            lines.append(
                "  total \(ByteSize.decimal(projected)), \(room): fits, leaving \(ByteSize.decimal(headroom))\(warn)")
        } else {
            lines.append(
                "  total \(ByteSize.decimal(projected)), \(room): DOES NOT FIT, \(ByteSize.decimal(-headroom)) short;"
                    + " lower the retention counts or give BACKUP_DIR more space")
        }
        return lines
    }

    static func table(_ rows: [[String]], indent: String) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { column in rows.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            indent
                + zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
