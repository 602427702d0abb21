/// Every setting Lifeboat reads: the seed's names with their meaning, and the names SPEC §7 adds.
/// One table serves loading, defaults, redaction and `lifeboat config`.
public struct ConfigurationKey: Sendable, Hashable {
    public let name: String
    public let defaultValue: String?
    /// Secrets are never printed, logged or put in errors.
    public let isSecret: Bool
    /// The value is a URL (or libpq connection string) that may carry a password: printed only
    /// with the password cut out, and never handed to a child process.
    public let isURL: Bool
    public let summary: String

    init(_ name: String, _ defaultValue: String?, secret: Bool = false, url: Bool = false, _ summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.isURL = url
        self.summary = summary
    }

    public static let backupEnabled = Self("BACKUP_ENABLED", "true", "scheduler runs backup jobs")
    public static let dailySchedule = Self("BACKUP_DAILY_SCHEDULE", "0 3 * * *", "cron expression of the daily backup")
    public static let weeklySchedule = Self(
        "BACKUP_WEEKLY_SCHEDULE", "0 4 * * 0", "cron expression of the weekly backup")
    public static let monthlySchedule = Self(
        "BACKUP_MONTHLY_SCHEDULE", "0 5 1 * *", "cron expression of the monthly backup")
    public static let verificationSchedule = Self(
        "BACKUP_VERIFICATION_SCHEDULE", "0 6 * * 0", "cron expression of the verification job")
    public static let cleanupSchedule = Self(
        "BACKUP_CLEANUP_SCHEDULE", "0 7 * * 0", "cron expression of the cleanup job")
    public static let retentionDaily = Self("BACKUP_RETENTION_DAILY", "7", "daily backups kept")
    public static let retentionWeekly = Self("BACKUP_RETENTION_WEEKLY", "4", "weekly backups kept")
    public static let retentionMonthly = Self("BACKUP_RETENTION_MONTHLY", "12", "monthly backups kept")
    public static let retentionManual = Self("BACKUP_RETENTION_MANUAL", nil, "manual backups kept (unset: all)")
    public static let compressionEnabled = Self("BACKUP_COMPRESSION_ENABLED", "true", "default of --compress")
    public static let compressionLevel = Self(
        "BACKUP_COMPRESSION_LEVEL", "1",
        "gzip level: 1 fastest (the default: about gzip -6's size at a fraction of its CPU) … 9 smallest")
    public static let encryptionEnabled = Self("BACKUP_ENCRYPTION_ENABLED", "false", "default of --encrypt")
    // The key id is not key material, but it is treated as a secret so that no output ever
    // carries whatever an operator pasted into it.
    public static let encryptionKey = Self(
        "BACKUP_ENCRYPTION_KEY", nil, secret: true, "OpenPGP recipient (key id, fingerprint or user id)")
    public static let signingKey = Self(
        "BACKUP_SIGNING_KEY", nil,
        "fingerprint of the key that signs every backup's manifest (its secret part in GNUPGHOME; unset: unsigned)")
    public static let trustedSigners = Self(
        "BACKUP_TRUSTED_SIGNERS", nil,
        "fingerprints whose signed backups this host restores, comma or space separated (unset: BACKUP_SIGNING_KEY; either set: unsigned backups are refused)"
    )
    public static let verificationEnabled = Self(
        "BACKUP_VERIFICATION_ENABLED", "true", "verify after scheduled weekly backups")
    public static let backupDir = Self("BACKUP_DIR", "/backups", "local backup folder")
    public static let databaseURL = Self(
        "DATABASE_URL", nil, url: true, "database to protect (libpq URL or key=value; unset: PG* variables)")
    public static let pgDumpPath = Self("PG_DUMP_PATH", nil, "pg_dump to use (default: the one matching the server)")
    public static let psqlPath = Self(
        "PSQL_PATH", nil, "psql to use for restores (default: the one matching the server)")
    public static let restoreJobs = Self(
        "RESTORE_JOBS", nil,
        "connections a restore into a database it creates (safe restore, verify, total loss) loads at once, as pg_restore -j (unset: the number of cores; 1: one psql in a single transaction)"
    )
    public static let gnupgHome = Self("GNUPGHOME", nil, "GnuPG keyring folder (default: ~/.gnupg)")
    public static let cloudSyncEnabled = Self("BACKUP_CLOUD_SYNC_ENABLED", "false", "upload after each backup")
    public static let cloudProvider = Self("BACKUP_CLOUD_PROVIDER", "s3", "s3, gcs or azure")
    public static let cloudBucket = Self("BACKUP_CLOUD_BUCKET", nil, "bucket or container")
    public static let cloudPrefix = Self("BACKUP_CLOUD_PREFIX", "", "objects at <prefix>/backups/<name>")
    public static let cloudEndpoint = Self(
        "BACKUP_CLOUD_ENDPOINT", nil, url: true, "S3-compatible endpoint override (or AWS_ENDPOINT_URL)")
    public static let multipartThresholdMB = Self(
        "BACKUP_CLOUD_MULTIPART_THRESHOLD_MB", "64", "files larger than this (MiB) go up in parts")
    public static let partSizeMB = Self("BACKUP_CLOUD_PART_SIZE_MB", "16", "multipart part size (MiB, at least 5)")
    public static let cloudStallSeconds = Self(
        "BACKUP_CLOUD_STALL_SECONDS", "30",
        "a cloud transfer with no bytes for this long is abandoned and tried again (seconds, at least 1)")
    public static let cloudMaxRateKBps = Self(
        "BACKUP_CLOUD_MAX_RATE_KBPS", nil, "bandwidth cap for uploads and downloads (KiB/s; unset: none)")
    public static let awsAccessKeyID = Self("AWS_ACCESS_KEY_ID", nil, secret: true, "S3 access key (GCS: HMAC key id)")
    public static let awsSecretAccessKey = Self(
        "AWS_SECRET_ACCESS_KEY", nil, secret: true, "S3 secret (GCS: HMAC secret)")
    public static let awsSessionToken = Self("AWS_SESSION_TOKEN", nil, secret: true, "S3 session token")
    public static let awsRegion = Self("AWS_REGION", nil, "S3 region")
    public static let awsChecksumCalculation = Self(
        "AWS_REQUEST_CHECKSUM_CALCULATION", "when_supported",
        "S3 multipart checksums: when_supported (a CRC-32 per part) or when_required (Content-MD5 only, for S3-compatible stores that refuse x-amz-checksum-*)"
    )
    public static let azureAccount = Self("AZURE_STORAGE_ACCOUNT", nil, "Azure storage account")
    public static let azureKey = Self("AZURE_STORAGE_KEY", nil, secret: true, "Azure storage key")
    public static let azureContainer = Self("AZURE_STORAGE_CONTAINER", nil, "Azure container")
    public static let azureEndpoint = Self("AZURE_STORAGE_ENDPOINT", nil, url: true, "Azure endpoint override")
    public static let webhookURL = Self(
        "BACKUP_WEBHOOK_URL", nil, secret: true, url: true, "webhook URLs, comma-separated (may embed tokens)")
    public static let webhookSecret = Self("BACKUP_WEBHOOK_SECRET", nil, secret: true, "HMAC-SHA256 key for webhooks")
    public static let webhookFormat = Self(
        "BACKUP_WEBHOOK_FORMAT", "json", "webhook body: json, or slack (adds a `text` line)")
    public static let webhookTimeout = Self("BACKUP_WEBHOOK_TIMEOUT", "10", "seconds allowed for each webhook attempt")
    public static let webhookAttempts = Self(
        "BACKUP_WEBHOOK_ATTEMPTS", "4", "tries per webhook delivery (network errors and 5xx only)")
    public static let webhookBackoff = Self(
        "BACKUP_WEBHOOK_BACKOFF", "1", "seconds before the first webhook retry, doubled each time")
    public static let smtpURL = Self(
        "BACKUP_SMTP_URL", nil, secret: true, url: true, "SMTP server for email alerts (may embed credentials)")
    public static let smtpFrom = Self("BACKUP_SMTP_FROM", nil, "alert sender")
    public static let smtpTo = Self("BACKUP_SMTP_TO", nil, "alert recipients")
    public static let smtpUser = Self("BACKUP_SMTP_USER", nil, "SMTP user")
    public static let smtpPassword = Self("BACKUP_SMTP_PASSWORD", nil, secret: true, "SMTP password")
    public static let emailEvents = Self(
        "BACKUP_EMAIL_EVENTS", "backup.failed,backup.verification_failed",
        "events sent by email (comma-separated event names, or * for all)")
    public static let diskMinFreeGB = Self(
        "BACKUP_DISK_MIN_FREE_GB", "10", "free space in BACKUP_DIR below which backups warn (GB, decimals allowed)")
    public static let preflightDiskMargin = Self(
        "LIFEBOAT_PREFLIGHT_DISK_MARGIN", "2",
        "preflight: a restore needs this many times the dump's size free on the server (indexes, WAL)")
    public static let sizeAnomalyWindow = Self(
        "BACKUP_SIZE_ANOMALY_WINDOW", "7",
        "earlier backups of the same type a new backup's size is compared with (0: no check, else 3 or more)")
    public static let sizeAnomalyBand = Self(
        "BACKUP_SIZE_ANOMALY_BAND", "50",
        "percent a backup's size may differ from their median before backup.size_anomaly (above 0, below 100)")
    public static let allowEmpty = Self(
        "BACKUP_ALLOW_EMPTY", "false", "default of --allow-empty: keep a dump with no table rows")
    public static let includeRolePasswords = Self(
        "BACKUP_INCLUDE_ROLE_PASSWORDS", "false",
        "put the password hashes of the roles a database needs into its backups (needs a superuser to read them)")
    public static let stateDir = Self("LIFEBOAT_STATE_DIR", defaultStateDirectory, "run journals and locks")
    /// Named once: `LifeboatConfiguration.stateDirectory` falls back to it too.
    public static let defaultStateDirectory = "/var/lib/lifeboat"
    /// Named once: `LifeboatConfiguration.runbooksDirectory` falls back to it too.
    public static let defaultRunbooksDirectory = "runbooks"
    public static let runbooksDir = Self(
        "LIFEBOAT_RUNBOOKS_DIR", defaultRunbooksDirectory,
        "folder of the runbooks (`runbook --dir` overrides it; relative to the working directory)")
    public static let servicesProvider = Self("LIFEBOAT_SERVICES_PROVIDER", nil, "compose, systemd or command")
    public static let composeFile = Self("LIFEBOAT_COMPOSE_FILE", nil, "compose file")
    public static let services = Self("LIFEBOAT_SERVICES", nil, "services or units, space-separated")
    public static let stopCommand = Self("LIFEBOAT_STOP_COMMAND", nil, "command provider: stop")
    public static let startCommand = Self("LIFEBOAT_START_COMMAND", nil, "command provider: start")
    public static let healthCommand = Self("LIFEBOAT_HEALTH_COMMAND", nil, "command provider: health check")
    public static let drillStopCommand = Self(
        "LIFEBOAT_DRILL_STOP_COMMAND", nil, "drills: command run for services.stop (unset: recorded only)")
    public static let drillStartCommand = Self(
        "LIFEBOAT_DRILL_START_COMMAND", nil, "drills: command run for services.start (unset: recorded only)")
    public static let drillHealthCommand = Self(
        "LIFEBOAT_DRILL_HEALTH_COMMAND", nil, "drills: command run for services.health (unset: recorded only)")
    public static let metricsFile = Self(
        "LIFEBOAT_METRICS_FILE", nil,
        "node_exporter textfile written after each job (e.g. /var/lib/node_exporter/textfile/lifeboat.prom)")
    public static let scheduleTimeZone = Self(
        "LIFEBOAT_SCHEDULE_TIMEZONE", "UTC", "time zone the cron schedules are read in (IANA name)")
    public static let drillSchedule = Self(
        "LIFEBOAT_DRILL_SCHEDULE", nil, "cron expression of the scheduled drill (unset: no scheduled drill)")
    public static let drillRunbook = Self(
        "LIFEBOAT_DRILL_RUNBOOK", nil,
        "runbook every scheduled drill rehearses (unset: they rotate through the shipped scenarios that can run here, the one drilled longest ago first)"
    )
    public static let drillMaxAge = Self(
        "LIFEBOAT_DRILL_MAX_AGE", "8d",
        "with LIFEBOAT_DRILL_SCHEDULE set, a drilled scenario whose last drill is older than this is stale and status exits 1 (e.g. 8d, 36h)"
    )
    public static let coordinationURL = Self(
        "LIFEBOAT_COORDINATION_URL", nil, url: true,
        "database holding the workers' schedule table (unset: the maintenance database postgres on DATABASE_URL's server)"
    )
    public static let workerLease = Self(
        "LIFEBOAT_WORKER_LEASE_SECONDS", "60", "a worker's claim on a running job lasts this long without a heartbeat")
    public static let metricsPort = Self(
        "LIFEBOAT_METRICS_PORT", nil, "lifeboat worker serves /metrics on this port of 127.0.0.1 (unset: not served)")
    public static let metricsListen = Self(
        "LIFEBOAT_METRICS_LISTEN", nil,
        "host:port /metrics listens on instead (e.g. 0.0.0.0:9187 to open it to the network)")
    public static let metricsReadTimeout = Self(
        "LIFEBOAT_METRICS_READ_TIMEOUT", "10", "seconds a /metrics client has to send its whole request")
    public static let poolSize = Self("DB_POOL_SIZE", "20", "connection pool size")
    public static let poolMaxOverflow = Self("DB_MAX_OVERFLOW", "40", "connections beyond the pool")
    public static let poolTimeout = Self("DB_POOL_TIMEOUT", "30", "seconds to wait for a connection")
    public static let poolRecycle = Self("DB_POOL_RECYCLE", "3600", "seconds before a connection is replaced")
    public static let connectTimeout = Self("DB_CONNECT_TIMEOUT", "10", "connection timeout (seconds)")
    public static let poolPrePing = Self("DB_POOL_PRE_PING", "true", "check connections before use")
    // The physical engine (pgBackRest). PGBACKREST_STANZA and PGBACKREST_CONFIG are also
    // pgBackRest's own variables for --stanza and --config, with the same meaning.
    public static let physicalEngine = Self("LIFEBOAT_PHYSICAL_ENGINE", "off", "physical engine: off, or pgbackrest")
    public static let pgbackrestStanza = Self("PGBACKREST_STANZA", nil, "pgBackRest stanza of the protected cluster")
    public static let pgbackrestConfig = Self(
        "PGBACKREST_CONFIG", nil,
        "pgbackrest.conf to use (unset: pgBackRest's default, /etc/pgbackrest/pgbackrest.conf)")
    // Not PGBACKREST_BIN: pgBackRest warns about any PGBACKREST_* variable it does not know.
    public static let pgbackrestBin = Self(
        "LIFEBOAT_PGBACKREST_BIN", "pgbackrest", "pgbackrest program (name on PATH or path)")
    public static let pgData = Self(
        "LIFEBOAT_PG_DATA", nil, "the cluster's data directory (checked against the server's data_directory)")
    public static let pgService = Self(
        "LIFEBOAT_PG_SERVICE", "pg_ctl", "how PostgreSQL is stopped and started: pg_ctl, systemd or command")
    public static let pgBin = Self(
        "LIFEBOAT_PG_BIN", nil, "folder of pg_ctl (unset: the newest /usr/lib/postgresql/*/bin)")
    public static let pgSystemdUnit = Self(
        "LIFEBOAT_PG_SYSTEMD_UNIT", nil, "systemd unit of the cluster (e.g. postgresql@15-main)")
    public static let pgStartCommand = Self(
        "LIFEBOAT_PG_START_COMMAND", nil, "LIFEBOAT_PG_SERVICE=command: starts PostgreSQL")
    public static let pgStopCommand = Self(
        "LIFEBOAT_PG_STOP_COMMAND", nil, "LIFEBOAT_PG_SERVICE=command: stops PostgreSQL")
    public static let pgUser = Self(
        "LIFEBOAT_PG_USER", nil,
        "OS user pgbackrest and pg_ctl run as (unset: postgres when root, else the current user)")
    public static let walMaxAge = Self(
        "LIFEBOAT_WAL_MAX_AGE", "15m",
        "WAL waiting this long to be archived makes the archive stale (e.g. 900, 15m, 1h)")
    public static let physicalFullSchedule = Self(
        "BACKUP_PHYSICAL_FULL_SCHEDULE", nil, "cron expression of the physical full backup (unset: none)")
    public static let physicalDiffSchedule = Self(
        "BACKUP_PHYSICAL_DIFF_SCHEDULE", nil, "cron expression of the physical differential backup (unset: none)")
    public static let physicalIncrSchedule = Self(
        "BACKUP_PHYSICAL_INCR_SCHEDULE", nil, "cron expression of the physical incremental backup (unset: none)")
    public static let drillScratchDir = Self(
        "LIFEBOAT_DRILL_SCRATCH_DIR", nil,
        "where PITR drills restore their scratch clusters (unset: lifeboat-drills beside LIFEBOAT_PG_DATA, else LIFEBOAT_STATE_DIR/drills); LIFEBOAT_PG_USER must reach it"
    )
    public static let tlsInsecure = Self(
        "LIFEBOAT_TLS_INSECURE", "false",
        "turn off TLS certificate checks for cloud endpoints and webhooks (test servers only; warns each time)")

    public static let all: [ConfigurationKey] = [
        backupEnabled, dailySchedule, weeklySchedule, monthlySchedule, verificationSchedule, cleanupSchedule,
        retentionDaily, retentionWeekly, retentionMonthly, retentionManual,
        compressionEnabled, compressionLevel, encryptionEnabled, encryptionKey, signingKey, trustedSigners,
        verificationEnabled,
        backupDir, databaseURL, pgDumpPath, psqlPath, restoreJobs, gnupgHome,
        cloudSyncEnabled, cloudProvider, cloudBucket, cloudPrefix, cloudEndpoint, multipartThresholdMB, partSizeMB,
        cloudMaxRateKBps, cloudStallSeconds,
        awsAccessKeyID, awsSecretAccessKey, awsSessionToken, awsRegion, awsChecksumCalculation,
        azureAccount, azureKey, azureContainer, azureEndpoint,
        webhookURL, webhookSecret, webhookFormat, webhookTimeout, webhookAttempts, webhookBackoff, smtpURL, smtpFrom,
        smtpTo, smtpUser, smtpPassword, emailEvents,
        diskMinFreeGB, preflightDiskMargin, sizeAnomalyWindow, sizeAnomalyBand, allowEmpty, includeRolePasswords,
        stateDir, runbooksDir, servicesProvider, composeFile, services,
        stopCommand, startCommand, healthCommand, drillStopCommand, drillStartCommand, drillHealthCommand, metricsFile,
        scheduleTimeZone, drillSchedule, drillRunbook, drillMaxAge, coordinationURL, workerLease, metricsPort,
        poolSize, poolMaxOverflow, poolTimeout, poolRecycle, connectTimeout, poolPrePing,
        tlsInsecure,
        physicalEngine, pgbackrestStanza, pgbackrestConfig, pgbackrestBin, pgData, pgService, pgBin, pgSystemdUnit,
        pgStartCommand, pgStopCommand, pgUser, walMaxAge, physicalFullSchedule, physicalDiffSchedule,
        physicalIncrSchedule,
        drillScratchDir,
        metricsListen, metricsReadTimeout
    ]
}
