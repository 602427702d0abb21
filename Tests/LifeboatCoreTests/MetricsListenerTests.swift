import Foundation
import Glibc
import Testing
@testable import LifeboatCore

/// Issue 18, item 4: `/metrics` listens on 127.0.0.1 unless told otherwise, bounds a request's
/// size and closes a client that does not finish its request in time.
@Suite struct MetricsListenerTests {
    /// A listener on a free loopback port (the kernel picks none for us here: try a few).
    static func listener(readTimeout: TimeInterval = 10) throws -> MetricsListener {
        var lastError: (any Error)?
        for _ in 0..<20 {
            do {
                let listener = try MetricsListener(
                    address: MetricsListenAddress(host: "127.0.0.1", port: Int.random(in: 20_000...60_000)),
                    readTimeout: readTimeout
                ) { "lifeboat_up 1\n" }
                listener.start()
                return listener
            } catch { lastError = error }
        }
        throw lastError!
    }

    /// A connected client socket with a generous receive timeout of its own (the upper bound).
    static func connect(_ listener: MetricsListener, bound: Int = 30) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(listener.address.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0, "connect: \(String(cString: strerror(errno)))")
        var wait = timeval(tv_sec: bound, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything until the server closes; nil when our own bound ran out first.
    static func readToClose(_ fd: Int32) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return String(decoding: received, as: UTF8.self) }
            if count < 0 { return errno == ECONNRESET ? String(decoding: received, as: UTF8.self) : nil }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    @Test func servesMetricsAndNothingElse() throws {
        let listener = try Self.listener()
        defer { listener.stop() }
        let fd = try Self.connect(listener)
        defer { close(fd) }
        Self.send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(Self.readToClose(fd))
        #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response)")
        #expect(response.hasSuffix("\r\n\r\nlifeboat_up 1\n"))
        let other = try Self.connect(listener)
        defer { close(other) }
        Self.send(other, "GET /etc/passwd HTTP/1.1\r\n\r\n")
        #expect(Self.readToClose(other)?.hasPrefix("HTTP/1.1 404") == true)
    }

    /// A client that sends half a request and waits is closed at the read timeout (1 s here);
    /// the test's own bound (30 s) is only there so that today's code fails instead of hanging.
    @Test func aSlowClientIsClosedAtTheReadTimeout() throws {
        let listener = try Self.listener(readTimeout: 1)
        defer { listener.stop() }
        let fd = try Self.connect(listener)
        defer { close(fd) }
        Self.send(fd, "GET /metr")
        let response = Self.readToClose(fd)
        #expect(response != nil, "the server still holds the connection after 30 s")
        #expect(response?.contains("200 OK") != true)
    }

    @Test func anOversizedRequestIsRefused() throws {
        let listener = try Self.listener()
        defer { listener.stop() }
        let fd = try Self.connect(listener)
        defer { close(fd) }
        Self.send(fd, "GET /metrics HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 64 * 1024))
        let response = try #require(Self.readToClose(fd), "the server still holds the connection")
        #expect(response.hasPrefix("HTTP/1.1 431"), "\(response.prefix(200))")
    }

    @Test(
        arguments: [
            ([:], nil),
            (["LIFEBOAT_METRICS_PORT": "9187"], MetricsListenAddress(host: "127.0.0.1", port: 9187)),
            (
                ["LIFEBOAT_METRICS_PORT": "9187", "LIFEBOAT_METRICS_LISTEN": "0.0.0.0:9300"],
                MetricsListenAddress(host: "0.0.0.0", port: 9300)
            ),
            (["LIFEBOAT_METRICS_LISTEN": "[::1]:9301"], MetricsListenAddress(host: "::1", port: 9301))
        ] as [([String: String], MetricsListenAddress?)])
    func listensOnLoopbackUnlessTold(environment: [String: String], expected: MetricsListenAddress?) async throws {
        let configuration = try await LifeboatConfiguration.load(environment: environment, environmentFile: nil)
        #expect(try MetricsListenAddress.configured(configuration) == expected)
    }

    @Test(arguments: ["9187", "host", "host:0", "host:99999", ":9187", "[::1]9187"])
    func aMalformedListenAddressIsAConfigurationError(text: String) async throws {
        let configuration = try await LifeboatConfiguration.load(
            environment: ["LIFEBOAT_METRICS_LISTEN": text], environmentFile: nil)
        #expect(throws: LifeboatError.self) { try MetricsListenAddress.configured(configuration) }
    }
}
