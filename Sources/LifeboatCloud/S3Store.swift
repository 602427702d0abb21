import Foundation
import LifeboatStreams
import Synchronization

/// Amazon S3 and S3-compatible stores (GCS interoperability, MinIO, moto), signed with SigV4
/// by libcurl. Large files go up in parts streamed from disk; every upload is checked by the
/// server (Content-MD5) and again here (size and ETag).
public struct S3Store: ObjectStore {
    public struct Settings: Sendable {
        public var bucket: String
        /// nil: AWS's virtual-hosted endpoint for the region.
        public var endpoint: String?
        public var region: String
        public var accessKey: String
        public var secretKey: String
        public var sessionToken: String?
        public var multipartThreshold: Int64 = 64 << 20
        public var partSize: Int64 = 16 << 20
        /// Parts in flight at once. One connection rarely fills the link (aws s3 cp runs 10);
        /// each part streams from the file, but each in-flight part costs a thread and a curl
        /// handle (about 1 MB): 4 keeps `scripts/memcheck`'s upload growth well inside its bound,
        /// and 8 was no faster against moto_server.
        public var concurrentParts = 4
        /// A CRC-32 per part (`x-amz-checksum-crc32`, as the aws CLI sends): S3 checks each part
        /// and keeps a composite checksum of the object. Without it moto_server (and S3 since
        /// 2025) computes a whole-object CRC-64 at completion, which made moto's completion of a
        /// 490 MB upload take 4-5 s instead of about 1 s. Off for GCS, whose XML API has no such
        /// headers.
        public var partChecksums = true

        public init(
            bucket: String, endpoint: String?, region: String, accessKey: String, secretKey: String,
            sessionToken: String?
        ) {
            self.bucket = bucket
            self.endpoint = endpoint
            self.region = region
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    public let settings: Settings
    public var transport: CurlTransport

    public init(settings: Settings, transport: CurlTransport = CurlTransport()) {
        self.settings = settings
        self.transport = transport
    }

    public var location: String { "s3://\(settings.bucket)" }

    /// Path-style for custom endpoints (moto, MinIO, GCS), virtual-hosted for AWS.
    func url(_ key: String, query: [(String, String)] = []) -> String {
        var url: String
        if let endpoint = settings.endpoint {
            url =
                endpoint.trimmingSuffix("/") + "/" + URLEncoding.component(settings.bucket) + "/"
                + URLEncoding.path(key)
        } else {
            url = "https://\(settings.bucket).s3.\(settings.region).amazonaws.com/" + URLEncoding.path(key)
        }
        if !query.isEmpty { url += "?" + URLEncoding.query(query) }
        return url
    }

    private func request(
        _ method: String, _ key: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: HTTPRequest.Body = .none
    ) -> HTTPRequest {
        var headers = headers
        if let token = settings.sessionToken { headers.append(("x-amz-security-token", token)) }
        return HTTPRequest(
            method: method, url: url(key, query: query), headers: headers, body: body,
            sigV4: .init(accessKey: settings.accessKey, secretKey: settings.secretKey, region: settings.region))
    }

    /// Sends and turns a non-2xx answer into the provider's code and message.
    @discardableResult
    private func send(
        _ request: HTTPRequest, _ operation: String, allow404: Bool = false,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws -> HTTPResponse {
        let response = try transport.send(request, operation: operation, sink: sink)
        if (200..<300).contains(response.status) || (allow404 && response.status == 404) { return response }
        throw Self.error(response, operation: operation, bucket: settings.bucket)
    }

    static func error(_ response: HTTPResponse, operation: String, bucket: String) -> CloudError {
        let xml = XMLElements(response.body)
        let code = xml.first("Error/Code") ?? (response.status == 404 ? "NotFound" : nil)
        let message = xml.first("Error/Message") ?? "HTTP \(response.status)"
        let hint: String?
        switch code {
        case "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidClientTokenId":
            hint = "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (GCS: the HMAC key pair)"
        case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
            // Temporary credentials: the key pair is fine, its session token is not (any more).
            hint =
                "the temporary credentials have expired or their session token is not valid: get new ones "
                + "(aws sts assume-role or get-session-token) and set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN together"
        case "NoSuchBucket":
            hint = "bucket '\(bucket)' does not exist: check BACKUP_CLOUD_BUCKET and the region/endpoint"
        case "AccessDenied":
            hint = "the credentials may not do this; the seed's IAM policy allows s3:PutObject and s3:ListBucket only"
        default:
            hint = nil
        }
        return CloudError(operation: operation, status: response.status, code: code, message: message, hint: hint)
    }

    public func upload(_ file: URL, to key: String) throws -> RemoteObject {
        let size = try FileDigest.size(of: file)
        let expectedETag: String
        if size > settings.multipartThreshold {
            expectedETag = try uploadMultipart(file, size: size, key: key)
        } else {
            let md5 = try FileDigest.md5(of: file, offset: 0, length: size)
            try send(
                request(
                    "PUT", key,
                    headers: [
                        ("Content-MD5", Data(md5).base64EncodedString()),
                        ("Content-Type", "application/octet-stream")
                    ],
                    body: .file(path: file.path, offset: 0, length: size)), "upload \(key)")
            expectedETag = DigestHex.of(md5)
        }
        guard let stored = try storedObject(key) else {
            throw CloudError(operation: "upload \(key)", message: "the object is missing right after the upload")
        }
        guard stored.size == size, stored.etag == nil || stored.etag == expectedETag else {
            throw CloudError(
                operation: "upload \(key)",
                message:
                    "stored object differs: \(stored.size) bytes, ETag \(stored.etag ?? "-"); expected \(size) bytes, ETag \(expectedETag)"
            )
        }
        return stored
    }

    /// Parts streamed from the file; on any failure the upload is aborted so no orphan parts
    /// keep costing money. Returns the ETag S3 computes for multipart objects.
    private func uploadMultipart(_ file: URL, size: Int64, key: String) throws -> String {
        let operation = "multipart upload \(key)"
        let created = try send(
            request(
                "POST", key, query: [("uploads", "")],
                headers: settings.partChecksums ? [("x-amz-checksum-algorithm", "CRC32")] : []), operation)
        guard let uploadID = XMLElements(created.body).first("UploadId") else {
            throw CloudError(operation: operation, message: "no UploadId in the answer")
        }
        do {
            let parts = try uploadParts(file, size: size, key: key, uploadID: uploadID, operation: operation)
            let partDigests = parts.flatMap(\.md5)
            let body =
                "<CompleteMultipartUpload>"
                + parts.map {
                    "<Part><PartNumber>\($0.number)</PartNumber><ETag>\($0.etag)</ETag>"
                        + (settings.partChecksums
                            ? "<ChecksumCRC32>\(Data($0.crc32).base64EncodedString())</ChecksumCRC32>" : "")
                        + "</Part>"
                }.joined() + "</CompleteMultipartUpload>"
            let completed = try send(
                request("POST", key, query: [("uploadId", uploadID)], body: .bytes(Array(body.utf8))), operation)
            // S3 can answer 200 with an error document for a failed completion.
            if let code = XMLElements(completed.body).first("Error/Code") {
                throw CloudError(
                    operation: operation, status: completed.status, code: code,
                    message: XMLElements(completed.body).first("Error/Message") ?? "")
            }
            return DigestHex.of(MD5.hash(data: partDigests)) + "-\(parts.count)"
        } catch {
            _ = try? transport.send(
                request("DELETE", key, query: [("uploadId", uploadID)]), operation: "abort \(operation)")
            throw error
        }
    }

    /// S3 takes at most 10,000 parts: a file too large for the configured size gets the
    /// smallest whole-MiB part that fits (as the aws CLI does) instead of failing at part 10,001.
    static func partSize(for size: Int64, configured: Int64) -> Int64 {
        let needed = (size + 9_999) / 10_000
        let mib: Int64 = 1 << 20
        return max(configured, (needed + mib - 1) / mib * mib)
    }

    /// A part the store has taken, with what the completion and the ETag check need.
    struct UploadedPart {
        let number: Int
        let etag: String
        let md5: [UInt8]
        let crc32: [UInt8]
    }

    /// One multipart upload's parts, `concurrentParts` at a time, in part-number order when
    /// done. The first failure stops the others from starting new parts and is thrown.
    private func uploadParts(
        _ file: URL, size: Int64, key: String, uploadID: String,
        operation: String
    ) throws -> [UploadedPart] {
        let partSize = Self.partSize(for: size, configured: settings.partSize)
        let count = Int((size + partSize - 1) / partSize)
        struct State {
            var next = 1
            var done: [Int: UploadedPart] = [:]
            var failure: (any Error)?
        }
        let state = Mutex(State())
        let worker = { @Sendable [self] in
            while true {
                let number: Int? = state.withLock { state in
                    guard state.failure == nil, state.next <= count else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let number else { return }
                let offset = Int64(number - 1) * partSize
                let length = min(partSize, size - offset)
                do {
                    let (md5, crc32) = try FileDigest.md5AndCRC32(of: file, offset: offset, length: length)
                    var headers = [("Content-MD5", Data(md5).base64EncodedString())]
                    if settings.partChecksums {
                        headers.append(("x-amz-checksum-crc32", Data(crc32).base64EncodedString()))
                    }
                    let response = try send(
                        request(
                            "PUT", key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                            headers: headers,
                            body: .file(path: file.path, offset: offset, length: length)),
                        "\(operation) (part \(number))")
                    let etag = response.headers["etag"] ?? "\"\(DigestHex.of(md5))\""
                    state.withLock {
                        $0.done[number] = UploadedPart(number: number, etag: etag, md5: md5, crc32: crc32)
                    }
                } catch {
                    state.withLock { if $0.failure == nil { $0.failure = error } }
                    return
                }
            }
        }
        let group = DispatchGroup()
        for _ in 0..<max(1, min(settings.concurrentParts, count)) {
            group.enter()
            Thread.detachNewThread {
                worker()
                group.leave()
            }
        }
        group.wait()
        return try state.withLock { state in
            if let failure = state.failure { throw failure }
            return (1...count).map { state.done[$0]! }
        }
    }

    public func download(_ key: String, from offset: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let headers = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        try withoutActuallyEscaping(sink) { sink in
            let response = try transport.send(
                request("GET", key, headers: headers), operation: "download \(key)", sink: sink)
            guard (200..<300).contains(response.status) else {
                throw Self.error(response, operation: "download \(key)", bucket: settings.bucket)
            }
            if offset > 0 && response.status != 206 {
                throw CloudError(
                    operation: "download \(key)", status: response.status,
                    message: "the server ignored the Range request; cannot resume")
            }
        }
    }

    /// The object as stored, by HEAD, or by listing when the credentials may not read objects
    /// (the seed's IAM policy grants s3:PutObject and s3:ListBucket only).
    private func storedObject(_ key: String) throws -> RemoteObject? {
        do {
            return try head(key)
        } catch let error as CloudError where error.status == 403 {
            return try list(prefix: key).first { $0.key == key }
        }
    }

    public func head(_ key: String) throws -> RemoteObject? {
        let response = try send(request("HEAD", key), "look up \(key)", allow404: true)
        guard response.status != 404 else { return nil }
        return RemoteObject(
            key: key, size: Int64(response.headers["content-length"] ?? "") ?? 0,
            etag: response.headers["etag"]?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    public func list(prefix: String) throws -> [RemoteObject] {
        var objects: [RemoteObject] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send(request("GET", "", query: query), "list \(prefix)")
            let xml = XMLElements(response.body)
            for record in xml.records("Contents") {
                guard let key = record["Key"] else { continue }
                objects.append(
                    RemoteObject(
                        key: key, size: Int64(record["Size"] ?? "") ?? 0,
                        etag: record["ETag"]?.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            }
            token = xml.first("IsTruncated") == "true" ? xml.first("NextContinuationToken") : nil
        } while token != nil
        return objects
    }

    public func delete(_ key: String) throws {
        try send(request("DELETE", key), "delete \(key)")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

/// Streaming digests of files or parts of them, in constant memory.
enum FileDigest {
    static func size(of file: URL) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    static func md5(of file: URL, offset: Int64, length: Int64) throws -> [UInt8] {
        try md5AndCRC32(of: file, offset: offset, length: length).md5
    }

    /// Both digests of one part in one read of it.
    static func md5AndCRC32(of file: URL, offset: Int64, length: Int64) throws -> (md5: [UInt8], crc32: [UInt8]) {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw CloudError(operation: "read \(file.path)", message: "cannot open the file")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        var hasher = MD5()
        var crc = CRC32()
        var remaining = length
        while remaining > 0 {
            let data = try handle.read(upToCount: Int(min(remaining, 1 << 20))) ?? Data()
            if data.isEmpty { break }
            hasher.update(data: data)
            data.withUnsafeBytes { crc.update($0) }
            remaining -= Int64(data.count)
        }
        return (hasher.finalize(), crc.bigEndianBytes)
    }
}
