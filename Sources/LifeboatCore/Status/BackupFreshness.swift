import Foundation

/// When a scheduled type's newest backup counts as stale, for `lifeboat status` and its exit
/// code. The rule: **a backup is stale once a whole slot of its schedule has been missed** —
/// after it was taken, one scheduled slot came, and then the slot after that came too, with
/// still no newer backup of the type.
///
/// The first slot after a backup is the grace period: its backup may still be running, and a
/// backup file appears only when it is finished (its name carries the start time), so a long
/// dump must not turn the health check red. For the default daily schedule (`0 3 * * *`) a
/// backup taken on Monday 03:00 is fresh until Wednesday 03:00: if Tuesday's run failed, the
/// status goes red when Wednesday's slot arrives. Manual backups are never stale; a scheduled
/// type without any backup is stale; with BACKUP_ENABLED=false no type is scheduled.
public enum BackupFreshness {
    /// The moment a backup taken at `takenAt` becomes stale: the second slot of `schedule`
    /// strictly after it. Nil when the schedule never fires twice more (within cron's horizon).
    public static func staleAfter(takenAt: Date, schedule: CronExpression, in zone: TimeZone) -> Date? {
        guard let first = schedule.next(after: takenAt, in: zone) else { return nil }
        return schedule.next(after: first, in: zone)
    }

    /// True when the newest backup (nil: none) is stale at `now` under the rule above.
    public static func isStale(newest takenAt: Date?, schedule: CronExpression, now: Date, in zone: TimeZone) -> Bool {
        guard let takenAt else { return true }
        guard let deadline = staleAfter(takenAt: takenAt, schedule: schedule, in: zone) else { return false }
        return deadline <= now
    }
}
