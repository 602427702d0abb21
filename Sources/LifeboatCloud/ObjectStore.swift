import Foundation

/// An object in a bucket or container.
public struct RemoteObject: Sendable, Equatable {
    public let key: String
    public let size: Int64
    public let etag: String?
    public init(key: String, size: Int64, etag: String?) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// Where backups go off-site. Two real implementations: S3 (and GCS through its S3
/// interface) and Azure Blob.
public protocol ObjectStore: Sendable {
    /// e.g. `s3://bucket` — for messages; never carries a secret.
    var location: String { get }
    /// Uploads a local file; verifies the stored size and checksum before returning.
    func upload(_ file: URL, to key: String) throws -> RemoteObject
    /// Writes the object's bytes from `offset` on to `sink` (HTTP Range when offset > 0).
    func download(_ key: String, from offset: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws
    func head(_ key: String) throws -> RemoteObject?
    /// Every object whose key starts with `prefix`, following pagination.
    func list(prefix: String) throws -> [RemoteObject]
    func delete(_ key: String) throws
}

/// Percent-encoding for URL paths and query values (RFC 3986 unreserved characters kept),
/// as SigV4 and SharedKey canonicalisation expect.
enum URLEncoding {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    /// libcurl 7.88's SigV4 signs the query as sent, and a signature-checking server refused
    /// `prefix=backups%2F` but accepted `prefix=backups/` (seen with moto): keep "/" as is.
    private static let queryValue = unreserved.union(CharacterSet(charactersIn: "/"))

    static func component(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func path(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).map { component(String($0)) }.joined(separator: "/")
    }

    /// Parameters sorted by name, as SigV4's canonical query string requires.
    static func query(_ items: [(String, String)]) -> String {
        items.sorted { $0.0 < $1.0 }.map {
            "\(component($0.0))=\($0.1.addingPercentEncoding(withAllowedCharacters: queryValue) ?? $0.1)"
        }.joined(separator: "&")
    }
}
