import Foundation

/// The span a point-in-time restore can reach: from the moment the oldest valid backup became
/// consistent (its stop time: a target before that cannot be replayed to) to the time of the
/// newest archived WAL. pgBackRest reports segments, not times, so that end comes from the
/// server's `pg_stat_archiver.last_archived_time`; changes after it are in no archive yet.
public struct WALWindow: Sendable, Encodable, Equatable {
    public let from: Date?
    public let to: Date?
    /// The backup the window starts with.
    public let oldestBackup: String?
    /// The repository's WAL range (`pgbackrest info`: archive min/max).
    public let archiveMin: String?
    public let archiveMax: String?

    public init(from: Date?, to: Date?, oldestBackup: String?, archiveMin: String?, archiveMax: String?) {
        self.from = from
        self.to = to
        self.oldestBackup = oldestBackup
        self.archiveMin = archiveMin
        self.archiveMax = archiveMax
    }

    public init(stanza: PgBackRestInfo.Stanza, lastArchivedTime: Date?) {
        let oldest = stanza.validBackups.min { $0.finishedAt < $1.finishedAt }
        let archive = stanza.currentArchive
        // No backup means nothing to replay WAL onto: the window is empty whatever is archived.
        var end = oldest == nil ? nil : lastArchivedTime
        if let start = oldest?.finishedAt, let last = end, last < start { end = start }
        self.init(
            from: oldest?.finishedAt, to: end, oldestBackup: oldest?.label, archiveMin: archive?.min,
            archiveMax: archive?.max)
    }

    /// True when `target` lies inside the window.
    public func contains(_ target: Date) -> Bool {
        guard let from, let to else { return false }
        return target >= from && target <= to
    }
}
