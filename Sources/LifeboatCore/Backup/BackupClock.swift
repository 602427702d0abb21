import Foundation

/// Backups whose time lies ahead of the clock. A name is only a claim: whoever can write the
/// backup folder or the bucket can plant `backup_daily_20990101T000000Z.sql.gz`, and a newest-
/// first order would then make it the "latest" that verify, restore and total loss take, keep
/// it in place of a real backup under retention, and keep `status` fresh forever. Such a
/// backup is still listed (with a warning) and can be named explicitly, but it never counts
/// as the newest, never takes a retention slot, and is never removed by retention.
public enum BackupClock {
    /// How far ahead of this host's clock a backup's time may be: clocks of the backup host
    /// and this one may disagree by minutes, never by an hour.
    public static let tolerance: TimeInterval = 3600

    public static func isAhead(_ time: Date, of now: Date) -> Bool {
        time > now.addingTimeInterval(tolerance)
    }

    /// The warning shown wherever such a backup is listed.
    public static func warning(_ file: String, time: Date) -> String {
        "\(file) is dated \(BackupName.format(time)), more than an hour ahead of this host's clock: "
            + "it is never taken as the latest backup nor counted by retention; check the clock, and who wrote that file"
    }
}

extension BackupName {
    /// True when the name's time is more than `BackupClock.tolerance` ahead of `now`.
    public func isAhead(of now: Date) -> Bool { BackupClock.isAhead(timestamp, of: now) }

    /// Why this backup is not trusted as the newest, or nil when it may be (a name alone: the
    /// bucket's listing has no manifests).
    public func clockWarning(now: Date) -> String? {
        isAhead(of: now) ? BackupClock.warning(fileName, time: timestamp) : nil
    }
}

extension BackupInventory.Entry {
    /// The name's time or the manifest's start, whichever is further ahead of `now`, when it is.
    public func timeAhead(of now: Date) -> Date? {
        [name.timestamp, manifest?.startedAt].compactMap { $0 }.filter { BackupClock.isAhead($0, of: now) }.max()
    }

    public func isAhead(of now: Date) -> Bool { timeAhead(of: now) != nil }

    /// Why this backup is not trusted as the newest, or nil when it may be.
    public func clockWarning(now: Date) -> String? {
        timeAhead(of: now).map { BackupClock.warning(name.fileName, time: $0) }
    }
}

extension BackupInventory {
    /// The backups that may count as newest: not ahead of the clock, newest first.
    public func current(now: Date = Date()) -> [Entry] { entries.filter { !$0.isAhead(of: now) } }

    /// The backups ahead of the clock, newest first.
    public func ahead(now: Date = Date()) -> [Entry] { entries.filter { $0.isAhead(of: now) } }
}
