import Foundation
import Testing
import LifeboatCloud

/// Shared Key signing checked against Microsoft's worked examples:
/// - "Authorize with Shared Key", https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key
///   (the Get Container Metadata string-to-sign, the Content-Length-zero example, the
///   CanonicalizedHeaders and CanonicalizedResource examples);
/// - "Call REST API operations with Shared Key authorization",
///   https://learn.microsoft.com/azure/storage/common/storage-rest-api-auth (List Containers and
///   List Blobs message signatures).
/// Neither page publishes the key behind its example signatures (the first reuses one
/// placeholder signature for several requests), so signatures are checked against an
/// independent HMAC-SHA256 computed by `openssl dgst` with Azurite's published development key.
@Suite struct AzureSharedKeyTests {
    /// Azurite's well-known development account key (public, not a secret).
    static let devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    struct Example: Sendable, CustomTestStringConvertible {
        let title: String
        let method: String
        let url: String
        let account: String
        let headers: [String: String]
        let expected: String
        var testDescription: String { title }
    }

    static let examples: [Example] = [
        Example(
            title: "Get Container Metadata (version 2015-02-21 revision of the page)", method: "GET",
            url: "http://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20",
            account: "myaccount",
            headers: ["x-ms-date": "Fri, 26 Jun 2015 23:39:12 GMT", "x-ms-version": "2015-02-21"],
            expected:
                "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20"
        ),
        Example(
            title: "Get Container Metadata (version 2009-09-19 revision of the page)", method: "GET",
            url: "http://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20",
            account: "myaccount",
            headers: ["x-ms-date": "Sun, 11 Oct 2009 21:49:13 GMT", "x-ms-version": "2009-09-19"],
            expected:
                "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20"
        ),
        // "Content-Length Header in Version 2015-02-21 and Later": a zero length is an empty line.
        Example(
            title: "Create Container with Content-Length: 0", method: "PUT",
            url: "http://myaccount/mycontainer?restype=container&timeout=30", account: "myaccount",
            headers: [
                "x-ms-version": "2015-02-21", "x-ms-date": "Fri, 26 Jun 2015 23:39:12 GMT", "Content-Length": "0"
            ],
            expected:
                "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n/myaccount/mycontainer\nrestype:container\ntimeout:30"
        ),
        // The sample's URL has no slash before the query ("http://{0}.blob.core.windows.net?comp=list").
        Example(
            title: "List Containers (storage-rest-api-auth)", method: "GET",
            url: "http://contosorest.blob.core.windows.net?comp=list", account: "contosorest",
            headers: ["x-ms-date": "Fri, 17 Nov 2017 01:07:37 GMT", "x-ms-version": "2017-07-29"],
            expected:
                "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 17 Nov 2017 01:07:37 GMT\nx-ms-version:2017-07-29\n/contosorest/\ncomp:list"
        ),
        Example(
            title: "List Blobs (storage-rest-api-auth)", method: "GET",
            url: "http://contosorest.blob.core.windows.net/container-1?restype=container&comp=list",
            account: "contosorest",
            headers: ["x-ms-date": "Fri, 17 Nov 2017 05:16:48 GMT", "x-ms-version": "2017-07-29"],
            expected:
                "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 17 Nov 2017 05:16:48 GMT\nx-ms-version:2017-07-29\n/contosorest/container-1\ncomp:list\nrestype:container"
        )
    ]

    @Test(arguments: examples)
    func documentedStringToSign(_ example: Example) {
        let text = AzureSharedKey.stringToSign(
            method: example.method, url: example.url, headers: example.headers.map { ($0.key, $0.value) },
            account: example.account)
        #expect(text == example.expected)
    }

    /// The CanonicalizedResource examples of "Constructing the Canonicalized Resource String".
    /// (The page's List Blobs URL says `/container` but its result `/mycontainer`; the URL here
    /// uses `/mycontainer` so that the documented result is the right answer.)
    @Test(arguments: [
        (
            "http://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata",
            "/myaccount/mycontainer\ncomp:metadata\nrestype:container"
        ),
        (
            "http://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs",
            "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\nrestype:container"
        ),
        ("https://myaccount-secondary.blob.core.windows.net/mycontainer/myblob", "/myaccount/mycontainer/myblob")
    ])
    func documentedCanonicalizedResource(url: String, expected: String) {
        #expect(AzureSharedKey.canonicalizedResource(account: "myaccount", url: url) == expected)
    }

    @Test func documentedCanonicalizedHeaders() {
        // The page's example, from headers in another order and case, with extras that must not count.
        let headers = [
            ("X-MS-Version", "2014-02-14"), ("Content-Type", "text/plain"),
            ("x-ms-date", "Sat, 21 Feb 2015 00:48:38 GMT"),
            ("Authorization", "ignored"), ("x-msx-other", "not an x-ms- header")
        ]
        #expect(
            AzureSharedKey.canonicalizedHeaders(headers)
                == "x-ms-date:Sat, 21 Feb 2015 00:48:38 GMT\nx-ms-version:2014-02-14\n")
    }

    @Test func headerValuesAreCollapsedAndTrimmedButQuotedStringsKept() {
        let headers = [
            ("x-ms-meta-Note", "  a \t  b\r\n c  "), ("x-ms-meta-quoted", "\"x   y\"  z"), ("x-ms-meta-empty", "")
        ]
        #expect(
            AzureSharedKey.canonicalizedHeaders(headers)
                == "x-ms-meta-empty:\nx-ms-meta-note:a b c\nx-ms-meta-quoted:\"x   y\" z\n")
    }

    /// Each standard header lands on its own line, in the documented order.
    @Test func standardHeadersArePositional() {
        let headers = [
            ("Range", "r"), ("If-Unmodified-Since", "ius"), ("If-None-Match", "inm"), ("If-Match", "im"),
            ("If-Modified-Since", "ims"), ("Date", "d"), ("Content-Type", "ct"), ("Content-MD5", "md5"),
            ("Content-Length", "11"), ("Content-Language", "cl"), ("Content-Encoding", "ce"),
            ("x-ms-version", "2021-08-06")
        ]
        let text = AzureSharedKey.stringToSign(
            method: "put", url: "https://a.blob.core.windows.net/c/b%20c?comp=block&blockid=YQ%3D%3D",
            headers: headers, account: "a")
        #expect(
            text
                == "PUT\nce\ncl\n11\nmd5\nct\nd\nims\nim\ninm\nius\nr\nx-ms-version:2021-08-06\n/a/c/b%20c\nblockid:YQ==\ncomp:block"
        )
    }

    /// Against an emulator-style endpoint the account is in the path too, so it appears twice.
    @Test func emulatorEndpointNamesTheAccountTwice() {
        #expect(
            AzureSharedKey.canonicalizedResource(
                account: "devstoreaccount1",
                url: "http://127.0.0.1:10000/devstoreaccount1/c/backups/x.sql?comp=list&prefix=backups%2F")
                == "/devstoreaccount1/devstoreaccount1/c/backups/x.sql\ncomp:list\nprefix:backups/")
    }

    @Test(arguments: examples)
    func signatureMatchesOpenSSL(_ example: Example) throws {
        let signer = try AzureSharedKey(account: example.account, base64Key: Self.devKey)
        let reference = try Self.opensslHMAC(example.expected, base64Key: Self.devKey)
        #expect(signer.signature(of: example.expected) == reference)
        #expect(
            signer.authorization(
                method: example.method, url: example.url, headers: example.headers.map { ($0.key, $0.value) })
                == "SharedKey \(example.account):\(reference)")
    }

    /// The openssl value for the documented Get Container Metadata string, pinned.
    @Test func pinnedSignature() throws {
        let signer = try AzureSharedKey(account: "myaccount", base64Key: Self.devKey)
        #expect(signer.signature(of: Self.examples[0].expected) == "1u9lui2jDxj0+fpbHjQ5m5NnastJRSYM+PSmfi8TXx4=")
    }

    @Test func malformedKeyIsRefusedWithoutEchoingIt() {
        let key = "not base64 at all: secret-value!"
        do {
            _ = try AzureSharedKey(account: "a", base64Key: key)
            Issue.record("a malformed key was accepted")
        } catch {
            #expect(!"\(error)".contains("secret-value"))
            #expect("\(error)".contains("AZURE_STORAGE_KEY"))
        }
    }

    @Test func httpDateIsRFC1123InGMT() {
        #expect(AzureSharedKey.httpDate(Date(timeIntervalSince1970: 1_255_297_753)) == "Sun, 11 Oct 2009 21:49:13 GMT")
        #expect(AzureSharedKey.httpDate(Date(timeIntervalSince1970: 1_435_361_952)) == "Fri, 26 Jun 2015 23:39:12 GMT")
    }

    /// Base64(HMAC-SHA256) of `text` under the base64 `key`, computed by `openssl dgst`.
    static func opensslHMAC(_ text: String, base64Key: String) throws -> String {
        let hexKey = try #require(Data(base64Encoded: base64Key)).map { String(format: "%02x", $0) }.joined()
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("azure-sts-\(UUID().uuidString)")
        try Data(text.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-binary", input.path
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let digest = output.fileHandleForReading.readDataToEndOfFile()  // 32 bytes: no pipe deadlock
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl dgst failed")
        try #require(digest.count == 32)
        return digest.base64EncodedString()
    }
}
