import Foundation

/// Whether backups are signed here and whose this host restores, for `lifeboat status`:
/// a host that signs with a key it cannot use would take backups that fail at the end.
public struct SigningStatus: Sendable, Encodable {
    /// BACKUP_SIGNING_KEY; absent when backups are not signed.
    public let signingKey: String?
    /// The key's first user id, when the keyring holds its secret part.
    public let signingUserID: String?
    /// Fingerprints whose backups verify, restore, fetch and runbooks accept; empty: no check.
    public let trustedSigners: [String]
    /// Why the signing key cannot sign (missing secret key, expired, …).
    public let error: String?

    public var checksSignatures: Bool { !trustedSigners.isEmpty }

    /// Reads the settings (a malformed fingerprint throws, like every configuration error)
    /// and asks the keyring whether the signing key can sign.
    public static func probe(_ configuration: LifeboatConfiguration) throws -> SigningStatus {
        let key = try configuration.signingKey()
        let trusted = try configuration.trustedSigners()
        var userID: String?
        var error: String?
        if key != nil {
            do { userID = try BackupSigner(configuration: configuration)?.key.userID } catch let failure
                as LifeboatError
            { error = failure.message + (failure.hint.map { " — \($0)" } ?? "") }
        }
        return SigningStatus(signingKey: key, signingUserID: userID, trustedSigners: trusted, error: error)
    }
}
