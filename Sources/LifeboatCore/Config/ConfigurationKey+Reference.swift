/// The default and meaning docs/configuration.md gives a setting where `summary`, written for
/// `lifeboat config`, is too short: what an unset value falls back to, ranges, links to the
/// pages that explain it (relative to docs/). `ConfigurationReference` prints these.
extension ConfigurationKey {
    struct Reference: Sendable {
        /// Only where the page says more than the declared default (what an unset value falls
        /// back to, a range): the declared default is otherwise printed from the declaration,
        /// so the two cannot disagree.
        var defaultValue: String? = nil
        let meaning: String
    }

    /// By the key's declared name; a key without an entry is documented by its summary.
    static let references: [String: Reference] = [
        databaseURL.name: Reference(
            defaultValue:
                "unset: libpq's `PG*` variables (`PGHOST`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, ...) and `~/.pgpass`",
            meaning:
                "the database to back up and to restore into (verify uses its server); a libpq URL (`postgresql://user:password@host:5432/db`) or `key=value` string"
        ),
        backupDir.name: Reference(
            meaning: "local backup folder (`--backup-dir` overrides)"),
        compressionEnabled.name: Reference(
            meaning: "default of `--compress`"),
        compressionLevel.name: Reference(
            meaning:
                "gzip level, 1 (fastest) to 9 (smallest), with zlib's meaning: each level's file is no larger than zlib's at that level. Members are written by ISA-L level 1 (level 1), libdeflate 1 (2–3), libdeflate 7 (4–7) or libdeflate 8 (8–9); any `gunzip` reads them. The default, 1, makes files within a few per cent of `gzip -6`'s for under half the CPU of `pg_dump \\| gzip -6` (see [Performance](performance.md)); 6 makes them 6–27 % smaller again for about `gzip -6`'s CPU"
        ),
        encryptionEnabled.name: Reference(
            meaning: "default of `--encrypt`"),
        encryptionKey.name: Reference(
            meaning: "OpenPGP recipient: key id, fingerprint or user id (secret: redacted)"),
        signingKey.name: Reference(
            meaning:
                "full fingerprint of the key that signs every backup (its secret part in `GNUPGHOME`, usable without a passphrase prompt); see [Signed backups](security.md#signed-backups)"
        ),
        trustedSigners.name: Reference(
            defaultValue: "`BACKUP_SIGNING_KEY`",
            meaning:
                "full fingerprints, comma or space separated, whose signed backups `verify`, `restore`, `fetch`, `sync`, runbooks and drills accept; when this or `BACKUP_SIGNING_KEY` is set, any other backup is refused unless `--allow-unsigned`"
        ),
        gnupgHome.name: Reference(
            defaultValue: "`~/.gnupg`",
            meaning:
                "GnuPG keyring folder: the recipient's public key to encrypt, the secret key to verify and restore encrypted backups"
        ),
        pgDumpPath.name: Reference(
            defaultValue: "unset: the pg_dump matching the server",
            meaning: "pg_dump to use"),
        psqlPath.name: Reference(
            defaultValue: "unset: the psql matching the server",
            meaning: "psql to use for `verify` and `restore`"),
        retentionDaily.name: Reference(
            meaning: "daily backups kept"),
        retentionWeekly.name: Reference(
            meaning: "weekly backups kept"),
        retentionMonthly.name: Reference(
            meaning: "monthly backups kept"),
        retentionManual.name: Reference(
            defaultValue: "unset (keep all)",
            meaning: "manual backups kept"),
        servicesProvider.name: Reference(
            defaultValue: "unset (no services)",
            meaning:
                "`compose`, `systemd` or `command` (see [Application services](operations.md#application-services))"),
        composeFile.name: Reference(
            defaultValue: "unset: compose's own default",
            meaning: "`compose`: the compose file (`docker compose -f FILE`)"),
        services.name: Reference(
            meaning: "`compose`: services, `systemd`: units; space- or comma-separated"),
        stopCommand.name: Reference(
            meaning: "`command`: stop command, run with `/bin/sh -c`"),
        startCommand.name: Reference(
            meaning: "`command`: start command, run with `/bin/sh -c`"),
        healthCommand.name: Reference(
            meaning: "health check after start, run with `/bin/sh -c` (all three providers)"),
        drillStopCommand.name: Reference(
            defaultValue: "unset: recorded only",
            meaning: "drills: what `services.stop` runs (`/bin/sh -c`)"),
        drillStartCommand.name: Reference(
            defaultValue: "unset: recorded only",
            meaning: "drills: what `services.start` runs"),
        drillHealthCommand.name: Reference(
            defaultValue: "unset: recorded only",
            meaning: "drills: what `services.health` runs"),
        cloudSyncEnabled.name: Reference(
            meaning:
                "default of `backup --upload`; when on, `prune` and `backup --cleanup` also apply retention to the bucket (see [Cloud sync](cloud.md#cloud-sync))"
        ),
        cloudProvider.name: Reference(
            meaning: "`s3`, `gcs` or `azure`"),
        cloudBucket.name: Reference(
            meaning: "the bucket; required by every cloud operation"),
        cloudPrefix.name: Reference(
            meaning: "objects at `<prefix>/backups/<name>`"),
        cloudEndpoint.name: Reference(
            defaultValue: "unset (or `AWS_ENDPOINT_URL`); `gcs`: `https://storage.googleapis.com`",
            meaning: "S3-compatible endpoint, addressed path-style"),
        multipartThresholdMB.name: Reference(
            meaning: "files larger than this (MiB) go up in parts"),
        partSizeMB.name: Reference(
            meaning: "multipart part size (MiB, at least 5)"),
        cloudMaxRateKBps.name: Reference(
            defaultValue: "unset (no cap)",
            meaning: "bandwidth cap for uploads and downloads (KiB/s)"),
        awsAccessKeyID.name: Reference(
            meaning: "S3 access key; GCS: HMAC key id (secret)"),
        awsSecretAccessKey.name: Reference(
            meaning: "S3 secret; GCS: HMAC secret (secret)"),
        awsSessionToken.name: Reference(
            meaning: "S3 session token, for temporary credentials (secret)"),
        awsRegion.name: Reference(
            defaultValue: "`us-east-1` (`gcs`: `auto`)",
            meaning: "S3 region of the bucket"),
        awsChecksumCalculation.name: Reference(
            meaning:
                "S3 multipart uploads: `when_supported` sends a CRC-32 per part (`x-amz-checksum-crc32`), `when_required` only `Content-MD5`, for S3-compatible stores that refuse the checksum headers (the AWS SDKs read the same variable); never sent to GCS"
        ),
        webhookURL.name: Reference(
            defaultValue: "unset (no events)",
            meaning:
                "webhook URLs, separated by commas or spaces (secret: may embed tokens); see [Events and webhooks](events-and-metrics.md#events-and-webhooks)"
        ),
        webhookSecret.name: Reference(
            defaultValue: "unset (unsigned)",
            meaning: "HMAC-SHA256 key for `X-Lifeboat-Signature` (secret)"),
        webhookFormat.name: Reference(
            meaning: "`json`, or `slack` (adds a `text` line for chat channels)"),
        webhookTimeout.name: Reference(
            meaning: "seconds allowed for each webhook attempt (decimals allowed)"),
        webhookAttempts.name: Reference(
            meaning: "tries per webhook delivery, the first included (network errors and 5xx only; `1`: no retries)"),
        webhookBackoff.name: Reference(
            meaning: "seconds before the first webhook retry, doubled before each next one (decimals allowed)"),
        smtpURL.name: Reference(
            defaultValue: "unset (no email)",
            meaning:
                "SMTP server for alert email: `smtp://host:587` (STARTTLS; required when there is a login) or `smtps://host:465`; may hold `user:password@` (secret); see **Email alerts** under [Events and webhooks](events-and-metrics.md#events-and-webhooks)"
        ),
        smtpFrom.name: Reference(
            defaultValue: "unset (required with `BACKUP_SMTP_URL`)",
            meaning: "sender: `lifeboat@db1.example.com` or `Lifeboat <lifeboat@db1.example.com>`"),
        smtpTo.name: Reference(
            defaultValue: "unset (required with `BACKUP_SMTP_URL`)",
            meaning: "recipients, separated by commas"),
        smtpUser.name: Reference(
            meaning: "SMTP login (overrides the one in `BACKUP_SMTP_URL`)"),
        smtpPassword.name: Reference(
            meaning: "SMTP password (secret; overrides the one in `BACKUP_SMTP_URL`)"),
        emailEvents.name: Reference(
            meaning:
                "events sent by email: event names separated by commas or spaces, or `*` for all; an unknown name is a configuration error"
        ),
        diskMinFreeGB.name: Reference(
            meaning:
                "free space in `BACKUP_DIR` (GB, decimals allowed) below which a backup warns and sends `disk.low`; see **Disk space** under [`lifeboat backup`](operations.md#lifeboat-backup); the preflight disk checks warn when a restore would leave less"
        ),
        preflightDiskMargin.name: Reference(
            meaning:
                "the `disk.server` [preflight check](operations.md#preflight-checks) wants the dump's size times this free on the server (decimals allowed, `1.5`)"
        ),
        sizeAnomalyWindow.name: Reference(
            meaning:
                "earlier backups of the same type a new backup's size is compared with (their median); `0` turns the check off, otherwise at least `3`; see **Size anomalies** under [`lifeboat backup`](operations.md#lifeboat-backup)"
        ),
        sizeAnomalyBand.name: Reference(
            meaning:
                "how far, in percent of that median, a backup may be either way before it warns and sends `backup.size_anomaly` (`50`: below half or above 1.5 times the median); above 0 and below 100, `%` allowed, decimals allowed"
        ),
        allowEmpty.name: Reference(
            meaning: "default of `backup --allow-empty`: keep a dump whose tables hold no rows instead of failing"),
        includeRolePasswords.name: Reference(
            meaning:
                "put the password hashes of the roles a database needs into its backups (read from `pg_authid`: needs a superuser); see [The whole database](operations.md#lifeboat-restore)"
        ),
        poolSize.name: Reference(
            meaning: "connections the connection pool keeps open between uses (at least 1), opened on demand"),
        poolMaxOverflow.name: Reference(
            meaning:
                "connections the pool opens beyond `DB_POOL_SIZE` while all are busy, closed when returned (`-1`: no limit)"
        ),
        poolTimeout.name: Reference(
            meaning:
                "seconds a checkout waits when `DB_POOL_SIZE` + `DB_MAX_OVERFLOW` connections are all checked out, before failing with `pool exhausted: 60 of 60 connections checked out for 30 s; raise DB_POOL_SIZE/DB_MAX_OVERFLOW or find what holds connections` (decimals allowed)"
        ),
        poolRecycle.name: Reference(
            meaning:
                "seconds after which a pooled connection is closed and replaced at its next checkout (decimals allowed; `-1`: never)"
        ),
        connectTimeout.name: Reference(
            meaning:
                "libpq's `connect_timeout` for pooled connections: whole seconds to wait for the server (`0`: forever; libpq treats `1` as `2`); wins over one in `DATABASE_URL`"
        ),
        poolPrePing.name: Reference(
            meaning:
                "a checkout first sends `SELECT 1` and transparently replaces a connection the server has ended (restart, `pg_terminate_backend`)"
        ),
        backupEnabled.name: Reference(
            meaning: "scheduler runs backup jobs"),
        dailySchedule.name: Reference(
            meaning: "cron expression of the daily backup"),
        weeklySchedule.name: Reference(
            meaning: "cron expression of the weekly backup"),
        monthlySchedule.name: Reference(
            meaning: "cron expression of the monthly backup"),
        verificationSchedule.name: Reference(
            meaning: "cron expression of the verification job"),
        cleanupSchedule.name: Reference(
            meaning: "cron expression of the cleanup job"),
        verificationEnabled.name: Reference(
            meaning: "`false` leaves the `database-backup-verification` job out of the schedule"),
        azureAccount.name: Reference(
            meaning: "Azure storage account"),
        azureKey.name: Reference(
            meaning: "Azure storage key (secret)"),
        azureContainer.name: Reference(
            meaning: "Azure container (default: `BACKUP_CLOUD_BUCKET`)"),
        azureEndpoint.name: Reference(
            meaning:
                "Azure endpoint override (default `https://<account>.blob.core.windows.net`; Azurite style `http://127.0.0.1:10000/<account>` works)"
        ),
        stateDir.name: Reference(
            meaning: "runbook run folders (journals, artifacts), run locks, the cron lock"),
        scheduleTimeZone.name: Reference(
            meaning: "time zone the schedules are read in (IANA name, e.g. `Europe/Berlin`)"),
        drillSchedule.name: Reference(
            defaultValue: "unset: no scheduled drill",
            meaning: "cron expression of the `runbook-drill` job"),
        drillRunbook.name: Reference(
            defaultValue: "unset: rotate",
            meaning:
                "the runbook every scheduled drill rehearses; unset, `lifeboat drill-next` rotates through the shipped scenarios that can run here, the one drilled longest ago first ([drills](drills.md))"
        ),
        drillMaxAge.name: Reference(
            meaning:
                "with `LIFEBOAT_DRILL_SCHEDULE` set, a scenario the schedule drills whose last drill is older (or that was never drilled) makes `status` unhealthy ([drills](drills.md))"
        ),
        coordinationURL.name: Reference(
            defaultValue: "unset: `postgres` on `DATABASE_URL`'s server",
            meaning: "database holding `lifeboat_schedule_runs`, through which workers agree"),
        workerLease.name: Reference(
            meaning: "how long a worker's claim on a running job lasts without a heartbeat (`--lease` overrides)"),
        metricsFile.name: Reference(
            defaultValue: "unset: no metrics",
            meaning: "Prometheus textfile updated after each job (`--metrics-file` overrides)"),
        metricsPort.name: Reference(
            defaultValue: "unset: not served",
            meaning: "`lifeboat worker` serves `/metrics` on this port of 127.0.0.1"),
        metricsListen.name: Reference(
            defaultValue: "unset: 127.0.0.1 and `LIFEBOAT_METRICS_PORT`",
            meaning: "`host:port` (or `[v6]:port`) `/metrics` listens on instead, e.g. `0.0.0.0:9187`"),
        metricsReadTimeout.name: Reference(
            meaning: "seconds a `/metrics` client has to send its whole request"),
        tlsInsecure.name: Reference(
            meaning:
                "`true` turns off TLS certificate and host name checks for cloud endpoints, webhooks and the SMTP server, with a warning each time; for test servers only (see [Security](security.md#security))"
        ),
        physicalEngine.name: Reference(
            meaning: "`pgbackrest` turns on the [physical engine](physical.md#physical-backups-pgbackrest)"),
        pgbackrestStanza.name: Reference(
            meaning: "the pgBackRest stanza of the protected cluster (required with the engine on)"),
        pgbackrestConfig.name: Reference(
            defaultValue: "unset: pgBackRest's default",
            meaning: "`pgbackrest.conf` to use (must exist)"),
        pgbackrestBin.name: Reference(
            meaning:
                "the pgbackrest program (not `PGBACKREST_BIN`: pgBackRest warns about `PGBACKREST_*` variables it does not know)"
        ),
        pgData.name: Reference(
            meaning: "the cluster's data directory; `engine check` compares it with the server's `data_directory`"),
        pgUser.name: Reference(
            defaultValue: "unset: `postgres` as root, else the current user",
            meaning: "OS user `pgbackrest` (and `pg_ctl`) run as"),
        drillScratchDir.name: Reference(
            defaultValue: "unset: `lifeboat-drills` beside `LIFEBOAT_PG_DATA`, else `LIFEBOAT_STATE_DIR/drills`",
            meaning: "where PITR drills restore their scratch clusters; `LIFEBOAT_PG_USER` must reach it"),
        walMaxAge.name: Reference(
            meaning:
                "a finished WAL segment waiting longer than this makes the archive stale (`900`, `90s`, `15m`, `1h`)"),
        pgService.name: Reference(
            meaning: "how PostgreSQL is stopped and started around a physical restore: `pg_ctl`, `systemd` or `command`"
        ),
        pgBin.name: Reference(
            defaultValue: "unset: newest `/usr/lib/postgresql/*/bin`",
            meaning: "folder holding `pg_ctl`"),
        pgSystemdUnit.name: Reference(
            meaning: "`systemd`: the cluster's unit (e.g. `postgresql@15-main`)"),
        pgStartCommand.name: Reference(
            meaning: "`command`: start and stop PostgreSQL (`/bin/sh -c`)"),
        pgStopCommand.name: Reference(
            meaning: "`command`: start and stop PostgreSQL (`/bin/sh -c`)"),
        physicalFullSchedule.name: Reference(
            defaultValue: "unset: off",
            meaning: "cron expressions of the physical backup jobs"),
        physicalDiffSchedule.name: Reference(
            defaultValue: "unset: off",
            meaning: "cron expressions of the physical backup jobs"),
        physicalIncrSchedule.name: Reference(
            defaultValue: "unset: off",
            meaning: "cron expressions of the physical backup jobs")
    ]

    /// The page's text for this key, falling back to the declaration.
    var reference: Reference? { Self.references[name] }
}
