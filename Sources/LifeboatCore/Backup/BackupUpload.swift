import Foundation

/// One upload of a backup to the cloud store as a job step: its metrics, and on failure the
/// cloud_sync.failed event and an error that says what stays local only. Shared by
/// `backup --upload` and `sync`, so an outage is counted and announced the same way by both.
public enum BackupUpload {
    /// Runs `upload` for `file` (`bytes` long). On failure the error keeps its stage and category;
    /// `leaves` is appended to its message (what the failure leaves behind, e.g. "the local
    /// backup … is kept") and `hint` stands in when the cause gave none.
    public static func perform<T>(
        _ file: URL, bytes: Int64, configuration: LifeboatConfiguration, notifier: EventNotifier,
        leaves: String, hint: String, _ upload: () throws -> T
    ) throws -> T {
        let started = Date()
        let uploaded: T
        do {
            uploaded = try upload()
        } catch {
            JobMetrics.record(configuration) { $0.upload(succeeded: false, bytes: 0, durationSeconds: nil) }
            let error = LifeboatError.wrap(error, stage: "cloud")
            notifier.emit(.cloudSyncFailed, details: BackupEvents.cloudSyncFailed(file: file, error: error))
            throw LifeboatError(
                stage: error.stage, message: error.message + " — " + leaves,
                hint: error.hint ?? hint, category: error.category)
        }
        JobMetrics.record(configuration) {
            $0.upload(succeeded: true, bytes: bytes, durationSeconds: Date().timeIntervalSince(started))
        }
        return uploaded
    }
}
