import Foundation

/// One HTTP request as the object stores describe it; the transport (libcurl) does the rest.
public struct HTTPRequest: Sendable {
    public enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// A byte range of a file, streamed from disk so memory stays flat.
        case file(path: String, offset: Int64, length: Int64)
    }

    /// AWS Signature Version 4, computed by libcurl.
    public struct SigV4: Sendable {
        public let accessKey: String
        public let secretKey: String
        public let region: String
        public let service: String
        public init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.region = region
            self.service = service
        }
    }

    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Body
    public var sigV4: SigV4?

    public init(method: String, url: String, headers: [(String, String)] = [], body: Body = .none, sigV4: SigV4? = nil)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.sigV4 = sigV4
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Header names lowercased.
    public let headers: [String: String]
    /// The body, when the caller did not stream it elsewhere.
    public let body: [UInt8]
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A failure talking to an object store: the HTTP status and the provider's own code and
/// message, which say more than any paraphrase (`403 SignatureDoesNotMatch: ...`).
public struct CloudError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let status: Int?
    public let code: String?
    public let message: String
    public let hint: String?

    public init(operation: String, status: Int? = nil, code: String? = nil, message: String, hint: String? = nil) {
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(operation) failed: "
        if let status { text += "\(status) " }
        if let code { text += "\(code): " }
        text += message
        return text
    }
}
