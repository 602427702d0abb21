import Foundation
import LifeboatCloud

/// Builds the configured object store. Credentials come from the usual variables and are
/// handed to libcurl only: they never appear in messages.
public enum CloudStores {
    public static func make(_ configuration: LifeboatConfiguration) throws -> any ObjectStore {
        let provider = (configuration.string(.cloudProvider) ?? "s3").lowercased()
        guard let bucket = configuration.string(.cloudBucket) else {
            throw LifeboatError(stage: "cloud", message: "BACKUP_CLOUD_BUCKET is not set",
                                hint: "set BACKUP_CLOUD_BUCKET (and BACKUP_CLOUD_PROVIDER, credentials)", category: .configuration)
        }
        switch provider {
        case "s3", "gcs":
            guard let accessKey = configuration.string(.awsAccessKeyID), let secret = configuration.string(.awsSecretAccessKey) else {
                throw LifeboatError(stage: "cloud", message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for \(provider)",
                                    hint: provider == "gcs" ? "use a GCS HMAC key pair in these two variables" : "export the access key pair",
                                    category: .configuration)
            }
            let defaultEndpoint = provider == "gcs" ? "https://storage.googleapis.com" : nil
            var settings = S3Store.Settings(
                bucket: bucket, endpoint: configuration.string(.cloudEndpoint) ?? defaultEndpoint,
                region: configuration.string(.awsRegion) ?? (provider == "gcs" ? "auto" : "us-east-1"),
                accessKey: accessKey, secretKey: secret, sessionToken: configuration.string(.awsSessionToken))
            let threshold = try configuration.int(.multipartThresholdMB) ?? 64
            let part = try configuration.int(.partSizeMB) ?? 16
            guard part >= 5 else {
                throw LifeboatError(stage: "cloud", message: "BACKUP_CLOUD_PART_SIZE_MB is \(part); S3 parts must be at least 5 MiB",
                                    hint: "set BACKUP_CLOUD_PART_SIZE_MB to 5 or more", category: .configuration)
            }
            settings.multipartThreshold = Int64(threshold) << 20
            settings.partSize = Int64(part) << 20
            var transport = CurlTransport()
            if let rate = try configuration.int(.cloudMaxRateKBps), rate > 0 {
                transport.maxSendRate = Int64(rate) * 1024
                transport.maxReceiveRate = Int64(rate) * 1024
            }
            return S3Store(settings: settings, transport: transport)
        case "azure":
            throw LifeboatError(stage: "cloud", message: "the azure provider is not available in this version",
                                hint: "use s3 or gcs for now", category: .configuration)
        default:
            throw LifeboatError(stage: "cloud", message: "unknown BACKUP_CLOUD_PROVIDER '\(provider)'",
                                hint: "use s3, gcs or azure", category: .configuration)
        }
    }
}
