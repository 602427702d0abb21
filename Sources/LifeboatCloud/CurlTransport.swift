import CCurl
import Foundation

/// HTTP over libcurl: one easy handle per request, owned here and freed on every path;
/// bodies stream from files and into sinks through libcurl's callbacks. TLS verification is on
/// unless the caller turns it off (`verifyTLS`, from LIFEBOAT_TLS_INSECURE); transient failures
/// (timeouts, 5xx) are retried with backoff, an untrusted certificate is not. A 4xx is
/// returned at once, never retried: the request itself is wrong and would fail the same way
/// (webhook delivery relies on this).
public struct CurlTransport: Sendable {
    public var connectTimeout: Int = 15
    /// A limit on each attempt as a whole, in seconds (0: none; stalls still end at `stallTimeout`).
    /// Small requests such as webhooks set it so a receiver that hangs cannot hold a backup up.
    public var timeout: TimeInterval = 0
    /// A transfer that moves no bytes for this long is abandoned (then retried): a stalled
    /// endpoint costs `attempts` times this, each attempt announced through `progress`.
    public var stallTimeout: Int = 30
    public var attempts: Int = 4
    /// Bandwidth caps in bytes per second (0: none), so a backup upload does not starve the
    /// application's own traffic.
    public var maxSendRate: Int64 = 0
    public var maxReceiveRate: Int64 = 0
    /// Asked during transfers; true stops the transfer (Ctrl-C, SIGTERM).
    public var shouldAbort: (@Sendable () -> Bool)?
    public var initialBackoff: TimeInterval = 0.5
    /// Lines for the operator while a transfer waits: no bytes for a while, and each retry with
    /// its reason, so a stalled endpoint is never silence (nil: say nothing).
    public var progress: (@Sendable (String) -> Void)?
    /// Check the server's certificate and host name. Only an explicit setting turns this off
    /// (LIFEBOAT_TLS_INSECURE, for test servers with self-signed certificates), and the
    /// configuration that does so warns.
    public var verifyTLS = true

    public init() {}

    static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// Sends `request`; the response body goes to `sink` when given (only for 2xx responses),
    /// else it is collected. `restart` is called before a retry so a sink can rewind.
    public func send(
        _ request: HTTPRequest, operation: String,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
        restart: (() throws -> Void)? = nil
    ) throws -> HTTPResponse {
        var delay = initialBackoff
        var attempt = 1
        // Once body bytes reached the sink, a retry would deliver them again: the caller
        // (a resumable download) starts over from what it has instead.
        let delivered = DeliveredFlag()
        let watchedSink = sink.map { sink in
            { (buffer: UnsafeRawBufferPointer) throws in
                delivered.value = true
                try sink(buffer)
            }
        }
        while true {
            let isLast = attempt >= attempts
            let why: String
            do {
                let response = try perform(request, operation: operation, sink: watchedSink)
                if response.status < 500 || isLast || (delivered.value && restart == nil) { return response }
                why = "the server answered \(response.status)"
            } catch let error as CloudError
                where error.code == "transport" && !isLast && !(delivered.value && restart == nil)
            {
                // A timeout or dropped connection: worth another try.
                why = error.message
            } catch let error as CloudError where error.code == "transport" && isLast && attempts > 1 {
                throw CloudError(
                    operation: error.operation, status: error.status, code: error.code,
                    message: "\(error.message) (\(attempts) attempts)", hint: error.hint)
            }
            progress?(
                "\(operation): \(why); trying again in \(String(format: "%.1f", delay)) s (attempt \(attempt + 1) of \(attempts))"
            )
            attempt += 1
            try restart?()
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
        }
    }

    private func perform(
        _ request: HTTPRequest, operation: String,
        sink: ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws -> HTTPResponse {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else {
            throw CloudError(operation: operation, message: "libcurl could not start")
        }
        defer { curl_easy_cleanup(handle) }
        let context = TransferContext(sink: sink)
        if case .file(let path, let offset, let length) = request.body {
            try context.openUpload(path: path, offset: offset, length: length, operation: operation)
        } else if case .bytes(let bytes) = request.body {
            context.uploadBytes = bytes
        }
        let opaque = Unmanaged.passUnretained(context).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        var headers = request.headers
        // libcurl's SigV4 does not add the payload hash header S3 requires: send it ourselves.
        if request.sigV4 != nil && !headers.contains(where: { $0.0.lowercased() == "x-amz-content-sha256" }) {
            headers.append(("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))
        }
        // No "Expect:" override here: libcurl's SigV4 signs every header given, even an empty
        // one it then leaves out, and a signature-checking server answers 403 (seen with moto).
        for (name, value) in headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }

        try check(lifeboat_curl_setopt_string(handle, CURLOPT_URL, request.url), operation)
        try applyCommonOptions(handle, operation: operation)
        if maxSendRate > 0 {
            try check(
                lifeboat_curl_setopt_offset(handle, CURLOPT_MAX_SEND_SPEED_LARGE, curl_off_t(maxSendRate)), operation)
        }
        if maxReceiveRate > 0 {
            try check(
                lifeboat_curl_setopt_offset(handle, CURLOPT_MAX_RECV_SPEED_LARGE, curl_off_t(maxReceiveRate)), operation
            )
        }
        try check(
            lifeboat_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)), operation)
        try check(
            lifeboat_curl_setopt_write_function(
                handle, CURLOPT_WRITEFUNCTION,
                { data, size, count, user in
                    Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue().receive(data!, size * count)
                }), operation)
        try check(lifeboat_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque), operation)
        try check(
            lifeboat_curl_setopt_write_function(
                handle, CURLOPT_HEADERFUNCTION,
                { data, size, count, user in
                    Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue().header(data!, size * count)
                }), operation)
        try check(lifeboat_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque), operation)

        switch request.method {
        case "GET":
            break
        case "HEAD":
            try check(lifeboat_curl_setopt_long(handle, CURLOPT_NOBODY, 1), operation)
        case "PUT":
            try check(lifeboat_curl_setopt_long(handle, CURLOPT_UPLOAD, 1), operation)
            try check(
                lifeboat_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(context.uploadLength)),
                operation)
        default:
            try check(lifeboat_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), operation)
            if context.uploadLength > 0 || request.method == "POST" {
                try check(lifeboat_curl_setopt_long(handle, CURLOPT_UPLOAD, 1), operation)
                try check(
                    lifeboat_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(context.uploadLength)),
                    operation)
                try check(lifeboat_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), operation)
            }
        }
        if request.method == "PUT" || context.uploadLength > 0 || request.method == "POST" {
            try check(
                lifeboat_curl_setopt_read_function(
                    handle, CURLOPT_READFUNCTION,
                    { buffer, size, count, user in
                        Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue().send(buffer!, size * count)
                    }), operation)
            try check(lifeboat_curl_setopt_pointer(handle, CURLOPT_READDATA, opaque), operation)
        }
        if let sigV4 = request.sigV4 {
            try check(
                lifeboat_curl_setopt_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(sigV4.region):\(sigV4.service)"),
                operation)
            try check(lifeboat_curl_setopt_string(handle, CURLOPT_USERNAME, sigV4.accessKey), operation)
            try check(lifeboat_curl_setopt_string(handle, CURLOPT_PASSWORD, sigV4.secretKey), operation)
        }

        let host = URL(string: request.url)?.host ?? "the endpoint"
        if let progress {
            context.stallWatch = StallWatch(
                stallTimeout: stallTimeout, what: "\(operation) (\(host))", report: progress)
        }
        if shouldAbort != nil || context.stallWatch != nil {
            context.shouldAbort = shouldAbort
            try check(lifeboat_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0), operation)
            try check(
                lifeboat_curl_setopt_xferinfo_function(
                    handle, CURLOPT_XFERINFOFUNCTION,
                    { user, _, downloaded, _, uploaded in
                        let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                        context.stallWatch?.observe(bytes: Int64(downloaded) + Int64(uploaded))
                        return context.shouldAbort?() == true ? 1 : 0
                    }), operation)
            try check(lifeboat_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, opaque), operation)
        }
        let result = curl_easy_perform(handle)
        if let failure = context.failure { throw failure }
        if result == CURLE_ABORTED_BY_CALLBACK {
            throw CloudError(
                operation: operation, code: "interrupted", message: "stopped by a signal before the transfer finished",
                hint: "run the command again; a fetch resumes where it stopped")
        }
        if result == CURLE_PEER_FAILED_VERIFICATION {
            // Not transient: the same certificate comes back on every try.
            throw CloudError(
                operation: operation, code: "tls", message: String(cString: curl_easy_strerror(result)),
                hint: "the server's TLS certificate is not trusted or not for this host name: install its CA "
                    + "certificate (update-ca-certificates); for a test server only, LIFEBOAT_TLS_INSECURE=true turns the check off"
            )
        }
        var connected: curl_off_t = 0, elapsed: curl_off_t = 0
        _ = lifeboat_curl_getinfo_offset(handle, CURLINFO_CONNECT_TIME_T, &connected)
        _ = lifeboat_curl_getinfo_offset(handle, CURLINFO_TOTAL_TIME_T, &elapsed)
        if result == CURLE_OPERATION_TIMEDOUT && connected > 0
            && (timeout == 0 || Double(elapsed) < timeout * 1_000_000)
        {
            // Connected, and neither the connect limit nor the overall one: the low-speed limit
            // (no bytes for stallTimeout). Say so instead of libcurl's bare "Timeout was reached".
            throw CloudError(
                operation: operation, code: "transport",
                message:
                    "no bytes from \(host) for \(stallTimeout) s (libcurl: \(String(cString: curl_easy_strerror(result))))",
                hint: "the endpoint accepts connections but does not answer: check BACKUP_CLOUD_ENDPOINT, a proxy or "
                    + "firewall between here and it, and the provider's status; BACKUP_CLOUD_STALL_SECONDS sets how long to wait"
            )
        }
        guard result == CURLE_OK else {
            throw CloudError(
                operation: operation, code: "transport", message: String(cString: curl_easy_strerror(result)),
                hint: "check the endpoint, the network and BACKUP_CLOUD_ENDPOINT")
        }
        var status = 0
        _ = lifeboat_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: context.headers, body: context.collected)
    }

    /// The options every transfer shares, HTTP or SMTP (`SMTPMailer`): no signals, the
    /// connect, stall and overall time limits, and the TLS checks.
    func applyCommonOptions(_ handle: UnsafeMutableRawPointer, operation: String) throws {
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), operation)
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout), operation)
        // "No bytes for stallTimeout seconds": below 1 byte per second over that window.
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), operation)
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, stallTimeout), operation)
        if timeout > 0 {
            try check(
                lifeboat_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int((timeout * 1000).rounded()))),
                operation)
        }
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, verifyTLS ? 1 : 0), operation)
        try check(lifeboat_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, verifyTLS ? 2 : 0), operation)
    }

    private final class DeliveredFlag: @unchecked Sendable { var value = false }

    private func check(_ code: CURLcode, _ operation: String) throws {
        guard code == CURLE_OK else {
            throw CloudError(
                operation: operation, message: "libcurl option refused: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// The state libcurl's callbacks work on during one transfer.
private final class TransferContext {
    let sink: ((UnsafeRawBufferPointer) throws -> Void)?
    var headers: [String: String] = [:]
    var collected: [UInt8] = []
    var status = 0
    var failure: (any Error)?
    var shouldAbort: (@Sendable () -> Bool)?
    var stallWatch: StallWatch?
    var uploadBytes: [UInt8] = [] {
        didSet { uploadLength = Int64(uploadBytes.count) }
    }
    var uploadOffset = 0
    var uploadLength: Int64 = 0
    private var uploadFile: FileHandle?
    private var uploadRemaining: Int64 = 0

    init(sink: ((UnsafeRawBufferPointer) throws -> Void)?) {
        self.sink = sink
    }

    deinit { try? uploadFile?.close() }

    func openUpload(path: String, offset: Int64, length: Int64, operation: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CloudError(operation: operation, message: "cannot open \(path) for upload")
        }
        try handle.seek(toOffset: UInt64(offset))
        uploadFile = handle
        uploadRemaining = length
        uploadLength = length
    }

    func header(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]  // a new response (after a redirect or 100 Continue)
            status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        } else if let colon = line.firstIndex(of: ":") {
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        return count
    }

    func receive(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let buffer = UnsafeRawBufferPointer(start: data, count: count)
        // Error bodies (XML with the provider's code) are always collected, never streamed.
        guard let sink, (200..<300).contains(status) else {
            collected.append(contentsOf: buffer)
            return count
        }
        do {
            try sink(buffer)
            return count
        } catch {
            failure = error
            return 0  // makes libcurl stop with a write error
        }
    }

    func send(_ buffer: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int {
        if let uploadFile {
            let wanted = Int(min(Int64(capacity), uploadRemaining))
            guard wanted > 0 else { return 0 }
            do {
                let data = try uploadFile.read(upToCount: wanted) ?? Data()
                data.copyBytes(to: UnsafeMutableRawBufferPointer(start: buffer, count: data.count))
                uploadRemaining -= Int64(data.count)
                return data.count
            } catch {
                failure = error
                return Int(CURL_READFUNC_ABORT)
            }
        }
        let count = min(capacity, uploadBytes.count - uploadOffset)
        guard count > 0 else { return 0 }
        uploadBytes.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + uploadOffset, byteCount: count)
        }
        uploadOffset += count
        return count
    }
}
