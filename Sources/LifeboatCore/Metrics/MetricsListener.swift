import Foundation
import Glibc
import Synchronization

/// The HTTP listener behind the worker's `/metrics`: plain blocking sockets, one short-lived
/// thread per connection, written by hand because the server library it replaces had no read
/// timeout and no bound on a request's size, so one slow or endless client could hold a
/// connection (and its memory) for as long as it liked.
///
/// Every connection gets one deadline (`readTimeout`) for its whole request and at most
/// `maxRequestBytes` of it; past either it is closed. At most `maxConnections` are served at
/// once; more are closed at once. Only `GET /metrics` (and HEAD) is answered.
public final class MetricsListener: Sendable {
    public let address: MetricsListenAddress
    public let readTimeout: TimeInterval
    public let maxRequestBytes: Int
    public let maxConnections = 16
    private let socket: Int32
    private let body: @Sendable () -> String
    private let open = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    /// Binds and listens at once, so a taken port is an error here and not a log line later.
    public init(
        address: MetricsListenAddress, readTimeout: TimeInterval = 10, maxRequestBytes: Int = 8192,
        body: @escaping @Sendable () -> String
    ) throws {
        self.address = address
        self.readTimeout = readTimeout
        self.maxRequestBytes = maxRequestBytes
        self.body = body
        socket = try Self.listen(on: address)
    }

    deinit { stop() }

    /// Serves until `stop()`, on a thread of its own.
    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "lifeboat-metrics"
        thread.start()
    }

    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let client = accept(socket, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            guard open.add(1, ordering: .sequentiallyConsistent).newValue <= maxConnections else {
                open.subtract(1, ordering: .sequentiallyConsistent)
                close(client)
                continue
            }
            Thread.detachNewThread { [self] in
                serve(client)
                close(client)
                open.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
    }

    private func serve(_ client: Int32) {
        guard let request = readRequest(client) else { return }
        let line = request.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let words = line.split(separator: " ")
        let method = words.first.map(String.init) ?? ""
        let path = words.count > 1 ? String(words[1].prefix { $0 != "?" }) : ""
        let response: (status: String, body: String)
        switch (method, path) {
        case ("GET", "/metrics"), ("HEAD", "/metrics"): response = ("200 OK", body())
        case (_, "/metrics"): response = ("405 Method Not Allowed", "only GET /metrics\n")
        default: response = ("404 Not Found", "only /metrics is served here\n")
        }
        let payload = method == "HEAD" ? "" : response.body
        write(
            client,
            "HTTP/1.1 \(response.status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(payload.utf8.count)\r\nConnection: close\r\n\r\n" + payload)
    }

    /// The request head (up to the blank line), or nil when the client was too slow, sent too
    /// much, or went away; a too-large request is told so before it is closed.
    private func readRequest(_ client: Int32) -> String? {
        let deadline = Date().addingTimeInterval(readTimeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var wait = timeval(tv_sec: Int(left), tv_usec: Int((left - left.rounded(.down)) * 1_000_000))
            if wait.tv_sec == 0 && wait.tv_usec == 0 { wait.tv_usec = 1000 }
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            let count = recv(client, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            received.append(contentsOf: buffer[0..<count])
            if let end = Self.endOfHead(received) { return String(decoding: received[0..<end], as: UTF8.self) }
            if received.count > maxRequestBytes {
                write(
                    client,
                    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return nil
            }
        }
    }

    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func write(_ client: Int32, _ text: String) {
        var wait = timeval(tv_sec: Int(max(1, readTimeout)), tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return }
            bytes = bytes.dropFirst(sent)
        }
    }

    private static func listen(on address: MetricsListenAddress) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard status == 0, let first = list else {
            throw LifeboatError(
                stage: "metrics", message: "cannot listen on \(address): \(String(cString: gai_strerror(status)))",
                hint:
                    "set LIFEBOAT_METRICS_LISTEN to host:port with a local address (127.0.0.1:9187, [::1]:9187, 0.0.0.0:9187)",
                category: .configuration)
        }
        defer { freeaddrinfo(list) }
        let fd = Glibc.socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw failure(address, "socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, Glibc.listen(fd, 64) == 0 else {
            let error = failure(address, "bind")
            close(fd)
            throw error
        }
        return fd
    }

    private static func failure(_ address: MetricsListenAddress, _ call: String) -> LifeboatError {
        LifeboatError(
            stage: "metrics", message: "cannot listen on \(address): \(String(cString: strerror(errno)))",
            hint: "choose a free port (LIFEBOAT_METRICS_LISTEN=127.0.0.1:PORT or LIFEBOAT_METRICS_PORT)",
            category: .configuration)
    }
}
