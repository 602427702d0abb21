import Foundation
import LifeboatCloud

/// Posts one event to one URL through the libcurl transport the object stores use: a timeout
/// per attempt, retries with exponential backoff on network errors and 5xx, none on 4xx (the
/// receiver refused this request and would refuse it again). It never throws: the outcome
/// says what happened, and the notifier logs and counts failures.
public struct WebhookDelivery: Sendable {
    public struct Outcome: Sendable {
        /// The URL as logs may show it (`WebhookSettings.redacted`).
        public let url: String
        public let event: LifeboatEvent.Name
        /// `X-Lifeboat-Delivery` and the body's `delivery_id`; the same on every retry.
        public let deliveryID: String
        /// The last HTTP status received, if any.
        public let status: Int?
        /// Why it failed, when it did.
        public let problem: String?
        public var delivered: Bool { problem == nil }
    }

    public let settings: WebhookSettings
    public var transport: CurlTransport

    public init(settings: WebhookSettings) {
        self.settings = settings
        var transport = CurlTransport()
        transport.attempts = settings.attempts
        transport.initialBackoff = settings.backoff
        transport.timeout = settings.timeout
        transport.connectTimeout = max(1, Int(settings.timeout.rounded(.up)))
        transport.verifyTLS = settings.verifyTLS
        self.transport = transport
    }

    public func send(_ event: LifeboatEvent, to url: String, deliveryID: String = UUID().uuidString.lowercased())
        -> Outcome
    {
        func outcome(_ status: Int?, _ problem: String?) -> Outcome {
            Outcome(
                url: WebhookSettings.redacted(url), event: event.name, deliveryID: deliveryID, status: status,
                problem: problem)
        }
        let body: [UInt8]
        do { body = try WebhookPayload.body(event, deliveryID: deliveryID, format: settings.format) } catch {
            return outcome(nil, "the event could not be written as JSON: \(error)")
        }
        let response: HTTPResponse
        do {
            response = try transport.send(
                request(event, url: url, body: body, deliveryID: deliveryID), operation: "webhook")
        } catch let error as CloudError where error.code == "tls" {
            return outcome(
                nil, "\(error.message), not retried (\(error.hint ?? "the receiver's certificate is not trusted"))")
        } catch let error as CloudError {
            return outcome(
                nil, "\(error.message) after \(settings.attempts) attempt\(settings.attempts == 1 ? "" : "s")")
        } catch {
            return outcome(nil, String(describing: error))
        }
        switch response.status {
        case 200..<300:
            return outcome(response.status, nil)
        case 500...:
            return outcome(
                response.status,
                "HTTP \(response.status) after \(settings.attempts) attempt\(settings.attempts == 1 ? "" : "s")"
                    + Self.excerpt(response))
        case 400..<500:
            return outcome(
                response.status,
                "HTTP \(response.status), not retried (the receiver refused the request: check the URL and its token)"
                    + Self.excerpt(response))
        default:
            // Redirects are not followed: a POST body would be dropped or re-sent as a GET.
            return outcome(
                response.status,
                "HTTP \(response.status); redirects are not followed, use the final URL" + Self.excerpt(response))
        }
    }

    func request(_ event: LifeboatEvent, url: String, body: [UInt8], deliveryID: String) -> HTTPRequest {
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", "lifeboat/\(LifeboatVersion.current)"),
            ("X-Lifeboat-Event", event.name.rawValue),
            ("X-Lifeboat-Delivery", deliveryID),
            // An empty Expect stops libcurl from waiting for "100 Continue", which simple receivers
            // (HTTP/1.0 servers, many frameworks' test servers) never send.
            ("Expect", "")
        ]
        if let secret = settings.secret {
            headers.append((WebhookSignature.headerName, WebhookSignature.value(for: body, secret: secret)))
        }
        return HTTPRequest(method: "POST", url: url, headers: headers, body: .bytes(body))
    }

    /// The start of the receiver's answer, on one line: Slack says `invalid_token`, `no_service`.
    private static func excerpt(_ response: HTTPResponse) -> String {
        let text = response.bodyText.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return "" }
        return ": " + (text.count > 200 ? text.prefix(200) + "…" : text)
    }
}
