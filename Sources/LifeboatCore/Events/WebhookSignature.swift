import LifeboatStreams

/// `X-Lifeboat-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes with
/// BACKUP_WEBHOOK_SECRET, so a receiver can tell our requests from anyone else's.
/// Receivers must hash the raw body as received, before parsing it.
public enum WebhookSignature {
    public static let headerName = "X-Lifeboat-Signature"

    /// The header value: `sha256=` and the lowercase hex digest.
    public static func value(for body: [UInt8], secret: String) -> String {
        "sha256=" + hex(body, secret: secret)
    }

    public static func hex(_ body: [UInt8], secret: String) -> String {
        DigestHex.of(HMACSHA256.authenticationCode(for: body, key: Array(secret.utf8)))
    }
}
