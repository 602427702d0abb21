import Foundation
import Testing
@testable import LifeboatCloud
@testable import LifeboatCore
import LifeboatStreams

@Suite struct CloudStoresTests {
    func configuration(_ values: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: values.merging(["LIFEBOAT_ENV_FILE": "/dev/null"]) { $1 })
    }

    @Test func gcsIsS3InteroperabilityWithHMACKeys() async throws {
        let store = try CloudStores.make(
            try await configuration([
                "BACKUP_CLOUD_PROVIDER": "gcs", "BACKUP_CLOUD_BUCKET": "acme", "AWS_ACCESS_KEY_ID": "GOOG1E",
                "AWS_SECRET_ACCESS_KEY": "s"
            ]))
        let s3 = try #require(store as? S3Store)
        #expect(s3.settings.endpoint == "https://storage.googleapis.com")
        #expect(s3.settings.region == "auto")
        #expect(s3.url("backups/x.sql.gz") == "https://storage.googleapis.com/acme/backups/x.sql.gz")
        // GCS's XML API has no x-amz-checksum-* headers; S3 gets a CRC-32 per part.
        #expect(!s3.settings.partChecksums)
        let aws = try #require(
            try CloudStores.make(
                try await configuration([
                    "BACKUP_CLOUD_BUCKET": "acme", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"
                ])) as? S3Store)
        #expect(aws.settings.partChecksums)
        // The AWS SDKs' switch turns them off for stores that refuse them; nonsense is refused.
        let base = ["BACKUP_CLOUD_BUCKET": "acme", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"]
        let plain = try #require(
            try CloudStores.make(
                try await configuration(
                    base.merging(["AWS_REQUEST_CHECKSUM_CALCULATION": "WHEN_REQUIRED"]) { $1 })) as? S3Store)
        #expect(!plain.settings.partChecksums)
        let nonsense = try await configuration(base.merging(["AWS_REQUEST_CHECKSUM_CALCULATION": "sometimes"]) { $1 })
        #expect(throws: LifeboatError.self) { try CloudStores.make(nonsense) }
    }

    /// The part checksum S3 checks (x-amz-checksum-crc32): the standard CRC-32 check value, the
    /// same when fed in pieces, and a part of a file read at an offset.
    @Test func partDigestsAreMD5AndTheStandardCRC32() throws {
        var crc = CRC32()
        Array("123456789".utf8).withUnsafeBytes { crc.update($0) }
        #expect(crc.value == 0xCBF4_3926)
        #expect(crc.bigEndianBytes == [0xCB, 0xF4, 0x39, 0x26])

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 12)) }
        try Data(bytes).write(to: file)
        var whole = CRC32()
        bytes[1000..<(2 << 20)].withUnsafeBytes { whole.update($0) }
        let part = try FileDigest.md5AndCRC32(of: file, offset: 1000, length: Int64((2 << 20) - 1000))
        #expect(part.crc32 == whole.bigEndianBytes)
        #expect(part.md5 == MD5.hash(data: Array(bytes[1000..<(2 << 20)])))
        #expect(try FileDigest.md5(of: file, offset: 1000, length: Int64((2 << 20) - 1000)) == part.md5)
    }

    @Test func awsUsesVirtualHostedURLsAndCustomEndpointsPathStyle() async throws {
        let aws = try #require(
            try CloudStores.make(
                try await configuration([
                    "BACKUP_CLOUD_BUCKET": "acme", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s",
                    "AWS_REGION": "eu-west-1"
                ])) as? S3Store)
        #expect(aws.url("backups/a b.sql") == "https://acme.s3.eu-west-1.amazonaws.com/backups/a%20b.sql")
        let custom = try #require(
            try CloudStores.make(
                try await configuration([
                    "BACKUP_CLOUD_BUCKET": "acme", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s",
                    "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/"
                ])) as? S3Store)
        #expect(
            custom.url("backups/x", query: [("prefix", "backups/"), ("list-type", "2")])
                == "http://127.0.0.1:9000/acme/backups/x?list-type=2&prefix=backups/")
    }

    @Test func missingSettingsAreConfigurationErrors() async throws {
        for values in [
            ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"], ["BACKUP_CLOUD_BUCKET": "b"],
            ["BACKUP_CLOUD_PROVIDER": "dropbox", "BACKUP_CLOUD_BUCKET": "b"],
            [
                "BACKUP_CLOUD_BUCKET": "b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s",
                "BACKUP_CLOUD_PART_SIZE_MB": "2"
            ]
        ] {
            do {
                _ = try CloudStores.make(try await configuration(values))
                Issue.record("expected a configuration error for \(values)")
            } catch let error as LifeboatError {
                #expect(error.category == .configuration)
            }
        }
    }

    /// S3's 10,000-part limit: the configured part size until a file needs more, then the
    /// smallest whole MiB that fits; and parallel parts only without a bandwidth cap.
    @Test func partSizeGrowsToStayWithinTenThousandPartsAndACapMeansOnePartAtATime() async throws {
        let mib: Int64 = 1 << 20
        #expect(S3Store.partSize(for: 100 * mib, configured: 16 * mib) == 16 * mib)
        #expect(S3Store.partSize(for: 10_000 * 16 * mib, configured: 16 * mib) == 16 * mib)
        let huge = 10_000 * 16 * mib + 1
        let grown = S3Store.partSize(for: huge, configured: 16 * mib)
        #expect(grown == 17 * mib && (huge + grown - 1) / grown <= 10_000)

        let base = [
            "BACKUP_CLOUD_PROVIDER": "s3", "BACKUP_CLOUD_BUCKET": "b", "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s"
        ]
        let open = try #require(try CloudStores.make(try await configuration(base)) as? S3Store)
        #expect(open.settings.concurrentParts == 4)
        let capped = try #require(
            try CloudStores.make(try await configuration(base.merging(["BACKUP_CLOUD_MAX_RATE_KBPS": "100"]) { $1 }))
                as? S3Store)
        #expect(capped.settings.concurrentParts == 1)
    }
}
