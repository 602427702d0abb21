import Foundation
import LifeboatStreams

/// Azure Storage "Shared Key" authorization for the Blob service, as the REST reference
/// ("Authorize with Shared Key") describes it for version 2015-02-21 and later: a string-to-sign
/// built from the request, signed with HMAC-SHA256 under the base64-decoded account key.
/// Pure functions and values, so the documented worked examples are unit tests.
public struct AzureSharedKey: Sendable {
    public let account: String
    private let key: [UInt8]

    /// `base64Key` is the storage account's access key (key1 or key2). It is never echoed back,
    /// not even in the error for a malformed one.
    public init(account: String, base64Key: String) throws {
        guard let bytes = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)), !bytes.isEmpty
        else {
            throw CloudError(
                operation: "read the Azure account key", message: "AZURE_STORAGE_KEY is not valid base64",
                hint: "use key1 or key2 from the storage account's \"Access keys\" page, exactly as shown")
        }
        self.account = account
        self.key = Array(bytes)
    }

    /// The value of the `Authorization` header: `SharedKey account:signature`.
    public func authorization(method: String, url: String, headers: [(String, String)]) -> String {
        let text = Self.stringToSign(method: method, url: url, headers: headers, account: account)
        return "SharedKey \(account):\(signature(of: text))"
    }

    /// Base64(HMAC-SHA256(UTF8(stringToSign), key)).
    public func signature(of stringToSign: String) -> String {
        Data(HMACSHA256.authenticationCode(for: Array(stringToSign.utf8), key: key)).base64EncodedString()
    }

    /// The standard headers whose values (never their names) fill fixed lines, in this order.
    static let standardHeaders = [
        "content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
        "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"
    ]

    /// VERB, the eleven standard header lines, CanonicalizedHeaders, CanonicalizedResource.
    /// `headers` are the headers as sent, including Content-Length when there is a body.
    public static func stringToSign(method: String, url: String, headers: [(String, String)], account: String) -> String
    {
        var lines = [method.uppercased()]
        for name in standardHeaders {
            var value = headers.last { $0.0.lowercased() == name }?.1 ?? ""
            // Since 2015-02-21 a zero length is an empty line, not "0".
            if name == "content-length" && value == "0" { value = "" }
            lines.append(value)
        }
        return lines.joined(separator: "\n") + "\n" + canonicalizedHeaders(headers)
            + canonicalizedResource(account: account, url: url)
    }

    /// Every `x-ms-` header as `name:value\n`: names lowercased and sorted, runs of linear
    /// whitespace in values (outside quoted strings) made one space, values trimmed.
    public static func canonicalizedHeaders(_ headers: [(String, String)]) -> String {
        var values: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-ms-") {
            values[name.lowercased()] = collapseWhitespace(value)
        }
        return values.keys.sorted().map { "\($0):\(values[$0]!)\n" }.joined()
    }

    /// `/account` + the URL's path exactly as encoded in the URL, then each query parameter as
    /// `\nname:value`: names lowercased and sorted, names and values URL-decoded, several values
    /// of one name sorted and comma-joined. Against an emulator-style endpoint
    /// (`http://host/account/...`) the account appears twice, which is what the service expects.
    public static func canonicalizedResource(account: String, url: String) -> String {
        let components = URLComponents(string: url)
        var path = components?.percentEncodedPath ?? ""
        if path.isEmpty { path = "/" }
        var parameters: [String: [String]] = [:]
        for item in components?.percentEncodedQueryItems ?? [] {
            let name = (item.name.removingPercentEncoding ?? item.name).lowercased()
            let value = item.value.map { $0.removingPercentEncoding ?? $0 } ?? ""
            parameters[name, default: []].append(value)
        }
        var resource = "/" + account + path
        for name in parameters.keys.sorted() {
            resource += "\n\(name):" + parameters[name]!.sorted().joined(separator: ",")
        }
        return resource
    }

    private static func collapseWhitespace(_ value: String) -> String {
        var result = ""
        var quoted = false
        var pendingSpace = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if !quoted
                && (character == " " || character == "\t" || character == "\r" || character == "\n"
                    || character == "\r\n")
            {
                pendingSpace = true
                continue
            }
            if pendingSpace && !result.isEmpty { result.append(" ") }
            pendingSpace = false
            result.append(character)
        }
        return result
    }

    /// An RFC 1123 date in GMT (`Sun, 11 Oct 2009 21:49:13 GMT`) for `x-ms-date`, without
    /// locale-dependent formatters.
    public static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
