import Foundation
import LifeboatStreams

/// Azure Blob Storage over its REST API, signed with Shared Key (see `AzureSharedKey`).
/// Small files go up with one Put Blob; larger ones as blocks streamed from disk (Put Block)
/// committed with Put Block List. Every upload is checked by the service (Content-MD5) and
/// again here (Get Blob Properties).
public struct AzureBlobStore: ObjectStore {
    public struct Settings: Sendable {
        public var account: String
        public var container: String
        /// nil: `https://<account>.blob.core.windows.net`. An emulator-style endpoint carries the
        /// account in its path (`http://127.0.0.1:10000/devstoreaccount1`).
        public var endpoint: String?
        public var blockThreshold: Int64 = 64 << 20
        public var blockSize: Int64 = 16 << 20

        public init(account: String, container: String, endpoint: String?) {
            self.account = account
            self.container = container
            self.endpoint = endpoint
        }
    }

    /// The REST API version every request asks for.
    public static let apiVersion = "2021-08-06"
    /// Service limits for that version: one Put Blob up to 5000 MiB, at most 50,000 blocks.
    static let maxPutBlobSize: Int64 = 5000 << 20
    static let maxBlocks: Int64 = 50_000

    public let settings: Settings
    public var transport: CurlTransport
    private let signer: AzureSharedKey

    /// Throws (without repeating it) when `key` is not base64.
    public init(settings: Settings, key: String, transport: CurlTransport = CurlTransport()) throws {
        self.settings = settings
        self.transport = transport
        self.signer = try AzureSharedKey(account: settings.account, base64Key: key)
    }

    public var location: String { "azure://\(settings.account)/\(settings.container)" }

    /// The container's URL, or a blob's when `key` is given.
    func url(_ key: String?, query: [(String, String)] = []) -> String {
        let base = (settings.endpoint ?? "https://\(settings.account).blob.core.windows.net").trimmingSuffix("/")
        var url = base + "/" + URLEncoding.component(settings.container)
        if let key { url += "/" + URLEncoding.path(key) }
        if !query.isEmpty { url += "?" + URLEncoding.query(query) }
        return url
    }

    /// A signed request: `x-ms-date`, `x-ms-version` and `Authorization` added. libcurl sends
    /// Content-Length itself (from the body), so it is signed here but not added twice.
    private func request(
        _ method: String, _ key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: HTTPRequest.Body = .none
    ) -> HTTPRequest {
        let url = url(key, query: query)
        var headers = headers + [("x-ms-date", AzureSharedKey.httpDate(Date())), ("x-ms-version", Self.apiVersion)]
        var signed = headers
        switch body {
        case .none: break
        case .bytes(let bytes): signed.append(("Content-Length", String(bytes.count)))
        case .file(_, _, let length): signed.append(("Content-Length", String(length)))
        }
        headers.append(("Authorization", signer.authorization(method: method, url: url, headers: signed)))
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    /// Sends and turns a non-2xx answer into the service's error code and message.
    @discardableResult
    private func send(
        _ request: HTTPRequest, _ operation: String, allow404: Bool = false,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws -> HTTPResponse {
        let response = try transport.send(request, operation: operation, sink: sink)
        if (200..<300).contains(response.status) { return response }
        let error = Self.error(response, operation: operation, settings: settings)
        // A missing blob may be an answer; a missing container never is.
        if allow404 && response.status == 404 && error.code != "ContainerNotFound" { return response }
        throw error
    }

    /// Azure answers `<Error><Code>..</Code><Message>..</Message></Error>`, or for HEAD only an
    /// `x-ms-error-code` header. The message's RequestId/Time lines are kept (support asks for
    /// them); AuthenticationErrorDetail is left out: it repeats the request's signature.
    static func error(_ response: HTTPResponse, operation: String, settings: Settings) -> CloudError {
        let xml = XMLElements(response.body)
        let code =
            xml.first("Error/Code") ?? response.headers["x-ms-error-code"]
            ?? (response.status == 404 ? "NotFound" : nil)
        let message =
            xml.first("Error/Message").map {
                $0.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
                    separator: " ")
            } ?? "HTTP \(response.status)"
        let hint: String?
        switch code {
        case "AuthenticationFailed":
            hint =
                "check AZURE_STORAGE_ACCOUNT ('\(settings.account)') and AZURE_STORAGE_KEY (key1 or key2 of that account), "
                + "and this machine's clock: Azure refuses requests dated more than 15 minutes off"
        case "ContainerNotFound":
            hint =
                "container '\(settings.container)' does not exist in account '\(settings.account)': create it, or check AZURE_STORAGE_CONTAINER"
        case "AuthorizationFailure", "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch":
            hint =
                "the storage account refuses this operation for these credentials (firewall, or a key without this permission)"
        case "InvalidResourceName", "OutOfRangeInput":
            hint = "container names are 3-63 lowercase letters, digits and hyphens"
        default:
            hint = nil
        }
        return CloudError(operation: operation, status: response.status, code: code, message: message, hint: hint)
    }

    public func upload(_ file: URL, to key: String) throws -> RemoteObject {
        let operation = "upload \(key)"
        let size = try FileDigest.size(of: file)
        let expectedMD5: String
        if size > settings.blockThreshold || size > Self.maxPutBlobSize {
            expectedMD5 = try uploadBlocks(file, size: size, key: key)
        } else {
            let md5 = Data(try FileDigest.md5(of: file, offset: 0, length: size)).base64EncodedString()
            // The service checks the body against Content-MD5 and stores it as the blob's MD5.
            try send(
                request(
                    "PUT", key,
                    headers: [
                        ("x-ms-blob-type", "BlockBlob"), ("Content-MD5", md5),
                        ("Content-Type", "application/octet-stream")
                    ],
                    body: .file(path: file.path, offset: 0, length: size)), operation)
            expectedMD5 = md5
        }
        guard let found = try properties(key) else {
            throw CloudError(operation: operation, message: "the blob is missing right after the upload")
        }
        let (stored, storedMD5) = found
        guard stored.size == size, storedMD5 == nil || storedMD5 == expectedMD5 else {
            throw CloudError(
                operation: operation,
                message:
                    "stored blob differs: \(stored.size) bytes, Content-MD5 \(storedMD5 ?? "-"); expected \(size) bytes, Content-MD5 \(expectedMD5)"
            )
        }
        return stored
    }

    /// Stages the file as blocks read straight from disk, each checked by the service against its
    /// Content-MD5, then commits them in order. Returns the whole file's MD5 (base64), stored as
    /// the blob's Content-MD5 so that other tools can check downloads; Azure keeps that value
    /// without recomputing it, so here it is the per-block checks that vouch for the bytes.
    ///
    /// On failure there is nothing to abort: Azure has no upload object to cancel. Staged but
    /// uncommitted blocks never become a blob, and the service discards them after 7 days.
    private func uploadBlocks(_ file: URL, size: Int64, key: String) throws -> String {
        let operation = "block upload \(key)"
        let blockSize = max(settings.blockSize, (size + Self.maxBlocks - 1) / Self.maxBlocks)
        var ids: [String] = []
        var whole = MD5()
        var offset: Int64 = 0
        while offset < size {
            let length = min(blockSize, size - offset)
            let md5 = try Self.md5(of: file, offset: offset, length: length, alsoUpdating: &whole)
            let id = Self.blockID(ids.count)
            try send(
                request(
                    "PUT", key, query: [("comp", "block"), ("blockid", id)],
                    headers: [("Content-MD5", Data(md5).base64EncodedString())],
                    body: .file(path: file.path, offset: offset, length: length)),
                "\(operation) (block \(ids.count + 1))")
            ids.append(id)
            offset += length
        }
        let fileMD5 = Data(whole.finalize()).base64EncodedString()
        try send(
            request(
                "PUT", key, query: [("comp", "blocklist")],
                headers: [
                    ("Content-Type", "application/xml"), ("x-ms-blob-content-type", "application/octet-stream"),
                    ("x-ms-blob-content-md5", fileMD5)
                ],
                body: .bytes(Array(Self.blockList(ids).utf8))),
            operation)
        return fileMD5
    }

    /// Block ids must all have the same length before base64: a fixed-width counter.
    static func blockID(_ index: Int) -> String {
        let digits = String(index)
        return Data(("block-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8)
            .base64EncodedString()
    }

    static func blockList(_ ids: [String]) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" + ids.map { "<Latest>\($0)</Latest>" }.joined()
            + "</BlockList>"
    }

    /// One block's MD5, feeding the whole file's digest on the way (one read of each byte).
    private static func md5(of file: URL, offset: Int64, length: Int64, alsoUpdating whole: inout MD5) throws
        -> [UInt8]
    {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw CloudError(operation: "read \(file.path)", message: "cannot open the file")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        var block = MD5()
        var remaining = length
        while remaining > 0 {
            let data = try handle.read(upToCount: Int(min(remaining, 1 << 20))) ?? Data()
            if data.isEmpty { break }
            block.update(data: data)
            whole.update(data: data)
            remaining -= Int64(data.count)
        }
        return Array(block.finalize())
    }

    public func download(_ key: String, from offset: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let headers = offset > 0 ? [("x-ms-range", "bytes=\(offset)-")] : []
        try withoutActuallyEscaping(sink) { sink in
            let response = try transport.send(
                request("GET", key, headers: headers), operation: "download \(key)", sink: sink)
            guard (200..<300).contains(response.status) else {
                throw Self.error(response, operation: "download \(key)", settings: settings)
            }
            if offset > 0 && response.status != 206 {
                throw CloudError(
                    operation: "download \(key)", status: response.status,
                    message: "the service ignored the range request; cannot resume")
            }
        }
    }

    public func head(_ key: String) throws -> RemoteObject? {
        try properties(key)?.object
    }

    /// Get Blob Properties: the object and its stored Content-MD5 (base64), nil when absent.
    private func properties(_ key: String) throws -> (object: RemoteObject, contentMD5: String?)? {
        let response = try send(request("HEAD", key), "look up \(key)", allow404: true)
        guard response.status != 404 else { return nil }
        let object = RemoteObject(
            key: key, size: Int64(response.headers["content-length"] ?? "") ?? 0,
            etag: response.headers["etag"]?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        return (object, response.headers["content-md5"])
    }

    public func list(prefix: String) throws -> [RemoteObject] {
        var objects: [RemoteObject] = []
        var marker: String?
        repeat {
            var query = [("restype", "container"), ("comp", "list")]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let marker { query.append(("marker", marker)) }
            let response = try send(request("GET", nil, query: query), "list \(prefix)")
            let page = Self.listing(response.body)
            objects += page.objects
            marker = page.nextMarker
        } while marker != nil
        return objects
    }

    /// One page of List Blobs: each `Blob`'s Name and Properties (Content-Length, Etag), and
    /// the NextMarker when more pages follow.
    static func listing(_ body: [UInt8]) -> (objects: [RemoteObject], nextMarker: String?) {
        let xml = XMLElements(body)
        var objects: [RemoteObject] = []
        var name: String?
        var size: Int64 = 0
        var etag: String?
        for entry in xml.entries {
            if entry.path.hasSuffix("Blobs/Blob/Name") {
                name = entry.text
            } else if entry.path.hasSuffix("Blobs/Blob/Properties/Content-Length") {
                size = Int64(entry.text) ?? 0
            } else if entry.path.hasSuffix("Blobs/Blob/Properties/Etag") {
                etag = entry.text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            } else if entry.path.hasSuffix("Blobs/Blob") {
                if let name { objects.append(RemoteObject(key: name, size: size, etag: etag)) }
                (name, size, etag) = (nil, 0, nil)
            }
        }
        let next = xml.first("EnumerationResults/NextMarker")
        return (objects, next?.isEmpty == false ? next : nil)
    }

    /// Deletes the blob with its snapshots (a blob with snapshots cannot be deleted alone);
    /// a blob that is already gone is not an error, as with S3.
    public func delete(_ key: String) throws {
        try send(
            request("DELETE", key, headers: [("x-ms-delete-snapshots", "include")]), "delete \(key)", allow404: true)
    }
}
