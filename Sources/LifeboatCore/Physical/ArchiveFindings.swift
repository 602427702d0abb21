import Foundation

/// Judges the server's archiving settings and record (`ArchiverStatus`) against the engine's
/// configuration: is WAL archived at all, through pgBackRest, to this stanza, and recently
/// enough. Pure, so every verdict has a unit test; `EngineCheck` and `status` both use it.
public enum ArchiveFindings {
    public static func assess(_ status: ArchiverStatus, settings: PhysicalEngineSettings) -> [EngineFinding] {
        var findings: [EngineFinding] = []
        let push =
            "pgbackrest" + (settings.configPath.map { " --config=\($0)" } ?? "")
            + " --stanza=\(settings.stanza) archive-push %p"

        switch status.archivingEnabled {
        case true?:
            findings.append(EngineFinding("archive_mode", .ok, "archive_mode is \(status.archiveMode ?? "on")"))
        case false?:
            findings.append(
                EngineFinding(
                    "archive_mode", .failed,
                    "archive_mode is off: no WAL is archived, so no point-in-time restore is possible",
                    hint:
                        "ALTER SYSTEM SET archive_mode = on; then restart PostgreSQL (archive_mode takes effect only at a restart)"
                ))
        case nil:
            findings.append(EngineFinding("archive_mode", .warning, "archive_mode could not be read"))
        }
        if status.walLevel == "minimal" {
            findings.append(
                EngineFinding(
                    "wal_level", .failed, "wal_level is minimal: WAL cannot be archived or replayed to a point in time",
                    hint: "ALTER SYSTEM SET wal_level = replica; then restart PostgreSQL"))
        }

        findings.append(archiveCommand(status.archiveCommand, settings: settings, push: push))
        findings += record(status, settings: settings, push: push)

        if let timeout = status.archiveTimeoutSeconds, timeout == 0, status.archivingEnabled == true {
            findings.append(
                EngineFinding(
                    "archive_timeout", .warning,
                    "archive_timeout is 0: on a quiet server the newest changes can wait in an unfinished WAL segment for hours, out of reach of a restore",
                    hint:
                        "ALTER SYSTEM SET archive_timeout = '60s'; SELECT pg_reload_conf(); (a segment is then archived at least every minute when anything changed)"
                ))
        }
        if let expected = settings.dataDirectory, let actual = status.dataDirectory, !samePath(expected, actual) {
            findings.append(
                EngineFinding(
                    "data_directory", .failed,
                    "LIFEBOAT_PG_DATA is \(expected), but the server DATABASE_URL reaches runs from \(actual)",
                    hint:
                        "DATABASE_URL must reach the cluster pgBackRest backs up: fix LIFEBOAT_PG_DATA or DATABASE_URL")
            )
        }
        return findings
    }

    static func archiveCommand(_ command: String?, settings: PhysicalEngineSettings, push: String) -> EngineFinding {
        guard let command else {
            return EngineFinding(
                "archive_command", .warning,
                "archive_command could not be read (needs superuser or pg_read_all_settings)")
        }
        let set = "ALTER SYSTEM SET archive_command = '\(push)'; SELECT pg_reload_conf();"
        let trimmed = command.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "(disabled)" {
            return EngineFinding("archive_command", .failed, "archive_command is empty: WAL is not archived", hint: set)
        }
        guard trimmed.contains("pgbackrest") else {
            return EngineFinding(
                "archive_command", .failed, "archive_command is '\(trimmed)', which does not push WAL to pgBackRest",
                hint: set)
        }
        if let named = stanzaOption(in: trimmed), named != settings.stanza {
            return EngineFinding(
                "archive_command", .failed,
                "archive_command pushes to stanza '\(named)', not to PGBACKREST_STANZA '\(settings.stanza)'", hint: set)
        }
        return EngineFinding("archive_command", .ok, "archive_command is '\(trimmed)'")
    }

    /// What pg_stat_archiver (and pg_wal/archive_status) say about recent attempts.
    static func record(_ status: ArchiverStatus, settings: PhysicalEngineSettings, push: String) -> [EngineFinding] {
        let maxAge = settings.walMaxAge
        let last =
            status.lastArchivedWAL.map { wal in
                "last archived \(wal)" + (status.lastArchivedAge.map { " \(age($0)) ago" } ?? "")
            } ?? "nothing archived since the statistics were last reset"
        if status.inRecovery {
            return [
                EngineFinding(
                    "wal archive", .warning,
                    "the server is a standby: its archiver record describes the standby, not the primary (\(last))")
            ]
        }
        if status.isFailing {
            let when = status.lastFailedTime.map { " at \(timestamp($0))" } ?? ""
            return [
                EngineFinding(
                    "wal archive", .failed,
                    "archive_command is failing: WAL segment \(status.lastFailedWAL ?? "?") could not be archived (last failure\(when), "
                        + "\(status.failedCount) failure\(status.failedCount == 1 ? "" : "s") counted); \(last)",
                    hint:
                        "look for 'archive command failed' in the PostgreSQL log; run the archive_command by hand as \(settings.runAs.user) "
                        + "(`\(push.replacingOccurrences(of: "%p", with: "pg_wal/\(status.lastFailedWAL ?? "SEGMENT")"))` in the data directory). "
                        + "Until it works, WAL piles up in pg_wal and point-in-time restores cannot go past the last archived WAL"
                )
            ]
        }
        if let waiting = status.oldestReadyAge, let count = status.readyCount {
            if count > 0 && waiting > maxAge {
                return [
                    EngineFinding(
                        "wal archive", .failed,
                        "WAL archive is stale: \(count) finished segment\(count == 1 ? "" : "s") wait\(count == 1 ? "s" : "") to be archived, "
                            + "the oldest for \(age(waiting)) (LIFEBOAT_WAL_MAX_AGE is \(age(maxAge))); \(last)",
                        hint:
                            "the archiver is behind or stuck: check the PostgreSQL log and the repository's free space and speed"
                    )
                ]
            }
            return [
                EngineFinding(
                    "wal archive", .ok,
                    "WAL archive is fresh: \(last); \(count) segment\(count == 1 ? "" : "s") waiting")
            ]
        }
        // No view of pg_wal/archive_status: only the age of the last success can be judged, and a
        // quiet server archives rarely, so an old one is a warning rather than a failure.
        if let lastAge = status.lastArchivedAge, lastAge > maxAge {
            return [
                EngineFinding(
                    "wal archive", .warning,
                    "no WAL archived for \(age(lastAge)) (LIFEBOAT_WAL_MAX_AGE is \(age(maxAge))); \(last)",
                    hint:
                        "normal on a quiet server; to tell a stuck archiver apart, let Lifeboat's role read pg_ls_archive_statusdir "
                        + "(GRANT pg_monitor TO …)")
            ]
        }
        return [EngineFinding("wal archive", status.lastArchivedWAL == nil ? .warning : .ok, last)]
    }

    /// `--stanza=NAME` or `--stanza NAME` in a command line.
    static func stanzaOption(in command: String) -> String? {
        let words = command.split(whereSeparator: \.isWhitespace).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        for (index, word) in words.enumerated() {
            if word.hasPrefix("--stanza=") { return String(word.dropFirst("--stanza=".count)) }
            if word == "--stanza", index + 1 < words.count { return words[index + 1] }
        }
        return nil
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        func canonical(_ path: String) -> String {
            URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        }
        return canonical(a) == canonical(b)
    }

    /// 45s, 12m, 3h 5m, 2d 4h.
    public static func age(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" + (whole % 60 == 0 || whole >= 600 ? "" : " \(whole % 60)s") }
        if whole < 86400 { return "\(whole / 3600)h" + (whole % 3600 / 60 == 0 ? "" : " \(whole % 3600 / 60)m") }
        return "\(whole / 86400)d" + (whole % 86400 / 3600 == 0 ? "" : " \(whole % 86400 / 3600)h")
    }

    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
