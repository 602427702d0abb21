import CCrypto
import Foundation

// The digests and the MAC Lifeboat needs (SHA-256 for files, manifests and runbooks; MD5 for
// the Content-MD5 and ETags of object stores; HMAC-SHA256 for Azure's SharedKey and webhook
// signatures), from OpenSSL's libcrypto, which libcurl already links. It replaced
// swift-crypto, whose bundled BoringSSL was 40 % of a clean build's CPU time (about two
// minutes of `make demo` on two cores) for these three functions. The only libcrypto calls in
// Lifeboat live here.

/// SHA-256, for backups, manifests and runbooks.
public typealias SHA256 = RunningDigest<SHA256Function>
/// MD5, only where a protocol asks for it (S3's Content-MD5 and ETags, Azure's block MD5s):
/// never for trust, which is SHA-256 and OpenPGP signatures.
public typealias MD5 = RunningDigest<MD5Function>

/// Which digest a `RunningDigest` computes.
public protocol DigestFunction: Sendable {
    static var kind: DigestKind { get }
}
public enum DigestKind: Sendable { case sha256, md5 }
public enum SHA256Function: DigestFunction { public static let kind = DigestKind.sha256 }
public enum MD5Function: DigestFunction { public static let kind = DigestKind.md5 }

/// A digest fed piece by piece. It is a value, as swift-crypto's were: copying one and
/// finalizing the copy leaves the original running (`SHA256Digest.hexDigest` relies on it).
/// The C context sits in a class owned by one value at a time and is copied before a shared
/// one is changed.
public struct RunningDigest<Function: DigestFunction>: Sendable {
    private var context = DigestContext(Function.kind)

    public init() {}

    public mutating func update(data: some ContiguousBytes) {
        data.withUnsafeBytes { update(bufferPointer: $0) }
    }

    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        context.update(bufferPointer)
    }

    /// The digest of everything given so far (32 bytes for SHA-256, 16 for MD5); the running
    /// digest goes on unchanged.
    public func finalize() -> [UInt8] { context.digest() }

    public static func hash(data: some ContiguousBytes) -> [UInt8] {
        var digest = Self()
        digest.update(data: data)
        return digest.finalize()
    }
}

/// Digests as `sha256sum` and `md5sum` print them, and as manifests, ETags and signature
/// headers carry them: lowercase hex, two digits a byte.
public enum DigestHex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// HMAC-SHA256 in one call (the messages signed are small: a request's string to sign, a
/// webhook's body).
public enum HMACSHA256 {
    public static func authenticationCode(for message: some ContiguousBytes, key: some ContiguousBytes) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = key.withUnsafeBytes { key in
            message.withUnsafeBytes { message in
                code.withUnsafeMutableBufferPointer { out in
                    // A non-null pointer even for an empty key or message: libcrypto reads none of it.
                    HMAC(
                        EVP_sha256(), key.baseAddress ?? UnsafeRawPointer(out.baseAddress!), Int32(key.count),
                        message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(out.baseAddress!),
                        message.count, out.baseAddress, &length)
                }
            }
        }
        // HMAC fails only when libcrypto cannot allocate: nothing sensible goes on from there.
        precondition(done != nil && length == 32, "libcrypto's HMAC-SHA256 failed")
        return Array(code[..<Int(length)])
    }
}

/// One libcrypto digest context (`EVP_MD_CTX`), freed with its owner.
///
/// `@unchecked Sendable`: the context is only touched through the value types above, which copy
/// it before changing one that is shared, so no two threads ever use one context at once.
final class DigestContext: @unchecked Sendable {
    private let context: OpaquePointer

    init(_ kind: DigestKind) {
        let algorithm: OpaquePointer? =
            switch kind {
            case .sha256: EVP_sha256()
            case .md5: EVP_md5()
            }
        // Allocation and initialisation fail only when memory runs out.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm, nil) == 1 else {
            preconditionFailure("libcrypto could not start a digest")
        }
        self.context = context
    }

    private init(copying other: OpaquePointer) {
        guard let context = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(context, other) == 1 else {
            preconditionFailure("libcrypto could not copy a digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    func copy() -> DigestContext { DigestContext(copying: context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "libcrypto could not update a digest")
    }

    /// Finalizes a copy, so this context can go on.
    func digest() -> [UInt8] {
        let finished = copy()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(finished.context, &out, &length) == 1, "libcrypto could not end a digest")
        return Array(out[..<Int(length)])
    }
}
