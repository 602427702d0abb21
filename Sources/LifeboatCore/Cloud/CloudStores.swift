import Foundation
import LifeboatCloud

/// Builds the configured object store. Credentials come from the usual variables and are
/// handed to libcurl only: they never appear in messages.
public enum CloudStores {
    public static func make(_ configuration: LifeboatConfiguration, cancellation: CancellationFlag? = nil) throws
        -> any ObjectStore
    {
        let provider = (configuration.string(.cloudProvider) ?? "s3").lowercased()
        let bucket = configuration.string(.cloudBucket)
        switch provider {
        case "s3", "gcs":
            guard let bucket else {
                throw LifeboatError(
                    stage: "cloud", message: "BACKUP_CLOUD_BUCKET is not set",
                    hint: "set BACKUP_CLOUD_BUCKET (and BACKUP_CLOUD_PROVIDER, credentials)", category: .configuration)
            }
            guard let accessKey = configuration.string(.awsAccessKeyID),
                let secret = configuration.string(.awsSecretAccessKey)
            else {
                throw LifeboatError(
                    stage: "cloud", message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for \(provider)",
                    hint: provider == "gcs"
                        ? "use a GCS HMAC key pair in these two variables" : "export the access key pair",
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
                throw LifeboatError(
                    stage: "cloud", message: "BACKUP_CLOUD_PART_SIZE_MB is \(part); S3 parts must be at least 5 MiB",
                    hint: "set BACKUP_CLOUD_PART_SIZE_MB to 5 or more", category: .configuration)
            }
            settings.multipartThreshold = Int64(threshold) << 20
            settings.partSize = Int64(part) << 20
            let transport = try transport(configuration, cancellation)
            // The bandwidth cap is per connection: parts one at a time keep it a cap on the whole.
            if transport.maxSendRate > 0 { settings.concurrentParts = 1 }
            // The AWS SDKs' own switch: some S3-compatible stores refuse x-amz-checksum-* headers.
            // GCS's XML API has none, so it never gets them.
            let checksums = configuration.string(.awsChecksumCalculation) ?? "when_supported"
            switch checksums.lowercased() {
            case "when_supported": settings.partChecksums = provider != "gcs"
            case "when_required": settings.partChecksums = false
            default:
                throw LifeboatError(
                    stage: "cloud",
                    message:
                        "AWS_REQUEST_CHECKSUM_CALCULATION is '\(checksums)'; it takes when_supported or when_required",
                    hint:
                        "unset it (a CRC-32 per part), or set when_required for a store that refuses x-amz-checksum-* headers",
                    category: .configuration)
            }
            return S3Store(settings: settings, transport: transport)
        case "azure":
            guard let account = configuration.string(.azureAccount), let key = configuration.string(.azureKey) else {
                throw LifeboatError(
                    stage: "cloud", message: "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY must be set for azure",
                    hint: "use the storage account's name and key1 or key2 from its \"Access keys\" page",
                    category: .configuration)
            }
            guard let container = configuration.string(.azureContainer) ?? bucket else {
                throw LifeboatError(
                    stage: "cloud", message: "AZURE_STORAGE_CONTAINER is not set",
                    hint: "set AZURE_STORAGE_CONTAINER (or BACKUP_CLOUD_BUCKET) to the blob container",
                    category: .configuration)
            }
            var settings = AzureBlobStore.Settings(
                account: account, container: container,
                endpoint: configuration.string(.azureEndpoint))
            let threshold = try configuration.int(.multipartThresholdMB) ?? 64
            let block = try configuration.int(.partSizeMB) ?? 16
            guard (1...4000).contains(block) else {
                throw LifeboatError(
                    stage: "cloud", message: "BACKUP_CLOUD_PART_SIZE_MB is \(block); Azure blocks are 1 to 4000 MiB",
                    hint: "set BACKUP_CLOUD_PART_SIZE_MB between 1 and 4000", category: .configuration)
            }
            settings.blockThreshold = Int64(threshold) << 20
            settings.blockSize = Int64(block) << 20
            let transport = try transport(configuration, cancellation)
            do {
                return try AzureBlobStore(settings: settings, key: key, transport: transport)
            } catch let error as CloudError {
                throw LifeboatError(stage: "cloud", message: error.message, hint: error.hint, category: .configuration)
            }
        default:
            throw LifeboatError(
                stage: "cloud", message: "unknown BACKUP_CLOUD_PROVIDER '\(provider)'",
                hint: "use s3, gcs or azure", category: .configuration)
        }
    }

    /// The libcurl transport every store uses: TLS checking (LIFEBOAT_TLS_INSECURE), Ctrl-C,
    /// the bandwidth cap, the stall limit (BACKUP_CLOUD_STALL_SECONDS) and its progress lines.
    static func transport(_ configuration: LifeboatConfiguration, _ cancellation: CancellationFlag?) throws
        -> CurlTransport
    {
        var transport = CurlTransport()
        transport.verifyTLS = try TLSVerification.isOn(configuration, for: "the cloud endpoint")
        if let cancellation { transport.shouldAbort = { cancellation.isCancelled } }
        if let stall = try configuration.int(.cloudStallSeconds) {
            guard stall >= 1 else {
                throw LifeboatError(
                    stage: "cloud",
                    message: "BACKUP_CLOUD_STALL_SECONDS is \(stall); a transfer needs at least 1 s to show a byte",
                    hint: "set BACKUP_CLOUD_STALL_SECONDS to 1 or more (default 30)", category: .configuration)
            }
            transport.stallTimeout = stall
        }
        transport.progress = { StandardError.write("cloud: \($0)") }
        if let rate = try configuration.int(.cloudMaxRateKBps), rate > 0 {
            transport.maxSendRate = Int64(rate) * 1024
            transport.maxReceiveRate = Int64(rate) * 1024
        }
        return transport
    }
}
