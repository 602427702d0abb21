import CGpgme
import Foundation

/// Detached signatures through gpgme: the signing key's lookup, signing a manifest, and reading
/// back every signature over it with its own fingerprint and status. The sibling of
/// `OpenPGP.swift`; the two are the only files that touch gpgme pointers.
extension OpenPGP {
    /// One signature found over the signed bytes, as gpgme's verify result reports it.
    public struct Signature: Sendable, Equatable {
        /// The fingerprint of the key that made it (a subkey's own, when a subkey signed), or
        /// only a key id when the keyring does not hold the public key.
        public let fingerprint: String
        /// The primary key's fingerprint when `fingerprint` is a subkey of a key in the keyring.
        public let primaryFingerprint: String?
        /// True only for a good signature by a usable key (gpgme status 0, no red summary bit).
        public let isValid: Bool
        /// True when the signature does not match the signed bytes (they changed after signing).
        public let isBad: Bool
        /// Why it is not valid ("Bad signature", "No public key", "Key expired", …); nil when valid.
        public let problem: String?

        public init(
            fingerprint: String, primaryFingerprint: String?, isValid: Bool, isBad: Bool = false, problem: String?
        ) {
            self.fingerprint = fingerprint
            self.primaryFingerprint = primaryFingerprint
            self.isValid = isValid
            self.isBad = isBad
            self.problem = problem
        }
    }

    /// The key whose secret part signs backups: `fingerprint` must name exactly one key in the
    /// keyring that has its secret part and can sign. The error names the fingerprint and the
    /// keyring, because "signing failed" at the end of a two-hour dump helps nobody.
    public static func signingKey(fingerprint: String, homeDirectory: String? = nil) throws -> Key {
        let context = try Context(homeDirectory: homeDirectory)
        var key: gpgme_key_t?
        let status = gpgme_get_key(context.handle, fingerprint, &key, 1)
        let keyring = keyringName(homeDirectory)
        guard status == 0, let key else {
            throw StreamError(
                stage: .sign,
                message: "keyring \(keyring) holds no secret key \(fingerprint)"
                    + (gpgme_err_code(status) == GPG_ERR_EOF ? "" : " (\(describe(status)))"),
                hint:
                    "`gpg --homedir \(keyring) --list-secret-keys --with-colons` lists the keys this host can sign with; "
                    + "import the signing key's secret part with `gpg --import`, or set BACKUP_SIGNING_KEY to one of them"
            )
        }
        defer { gpgme_key_unref(key) }
        let primary = key.pointee.subkeys.flatMap { $0.pointee.fpr }.map { String(cString: $0) } ?? fingerprint
        let userID = key.pointee.uids.flatMap { $0.pointee.uid }.map { String(cString: $0) } ?? ""
        guard key.pointee.can_sign == 1, key.pointee.revoked == 0, key.pointee.expired == 0,
            key.pointee.disabled == 0, key.pointee.invalid == 0
        else {
            throw StreamError(
                stage: .sign,
                message:
                    "key \(primary) in keyring \(keyring) cannot sign (revoked, expired, disabled or without a signing subkey)",
                hint: "set BACKUP_SIGNING_KEY to a usable key from `gpg --list-secret-keys`")
        }
        return Key(fingerprint: primary, userID: userID)
    }

    /// A binary detached signature over `bytes` by `signer`.
    public static func signDetached(_ bytes: [UInt8], signer: Key, homeDirectory: String? = nil) throws -> [UInt8] {
        let context = try Context(homeDirectory: homeDirectory)
        try context.addSigner(signer.fingerprint, stage: .sign)
        let plain = try CallbackData(source: MemorySource(bytes), stage: .sign)
        let output = MemorySink()
        let signature = try CallbackData(sink: output, stage: .sign)
        let status = gpgme_op_sign(context.handle, plain.handle, signature.handle, GPGME_SIG_MODE_DETACH)
        if let error = plain.failure ?? signature.failure { throw error }
        guard status == 0 else {
            // gpg asking for a passphrase with no terminal fails as "Inappropriate ioctl for device".
            throw StreamError(
                stage: .sign, message: "signing with \(signer.fingerprint) failed: \(describe(status))",
                hint: "backups are signed unattended: the key's secret part must be usable without a passphrase prompt "
                    + "(a key without one, or the passphrase preset in gpg-agent); check with `gpg --batch --sign` as this user"
            )
        }
        if let result = gpgme_op_sign_result(context.handle), let invalid = result.pointee.invalid_signers {
            let fpr = invalid.pointee.fpr.map { String(cString: $0) } ?? signer.fingerprint
            throw StreamError(
                stage: .sign, message: "signer \(fpr) was refused: \(describe(invalid.pointee.reason))",
                hint:
                    "check that the key's secret part is usable without a passphrase prompt (`gpg --list-secret-keys`)")
        }
        guard !output.bytes.isEmpty else {
            throw StreamError(stage: .sign, message: "gpgme produced no signature with \(signer.fingerprint)")
        }
        return output.bytes
    }

    /// Every signature in the detached `signature` over `signed`, each with its own status.
    /// Throws only when gpgme could not check at all (not OpenPGP data, no engine); a bad or
    /// unknown signature is a `Signature` whose `isValid` is false, so the caller decides.
    public static func verifyDetached(signature: [UInt8], signed: [UInt8], homeDirectory: String? = nil) throws
        -> [Signature]
    {
        let context = try Context(homeDirectory: homeDirectory)
        let signatureData = try CallbackData(source: MemorySource(signature), stage: .verify)
        let signedData = try CallbackData(source: MemorySource(signed), stage: .verify)
        let status = gpgme_op_verify(context.handle, signatureData.handle, signedData.handle, nil)
        if let error = signatureData.failure ?? signedData.failure { throw error }
        try context.check(status, .verify, "the signature cannot be read")
        guard let result = gpgme_op_verify_result(context.handle) else { return [] }
        var found: [(fpr: String, status: gpgme_error_t, summary: UInt32)] = []
        var cursor = result.pointee.signatures
        while let signature = cursor {
            found.append(
                (
                    signature.pointee.fpr.map { String(cString: $0) }?.uppercased() ?? "",
                    signature.pointee.status, signature.pointee.summary.rawValue
                ))
            cursor = signature.pointee.next
        }
        let keys = try Context(homeDirectory: homeDirectory)
        return found.map { entry in
            let isValid =
                gpgme_err_code(entry.status) == GPG_ERR_NO_ERROR && entry.summary & GPGME_SIGSUM_RED.rawValue == 0
            var problem: String?
            if !isValid {
                problem =
                    gpgme_err_code(entry.status) == GPG_ERR_NO_ERROR
                    ? "the key is revoked or expired" : describe(entry.status)
            }
            return Signature(
                fingerprint: entry.fpr, primaryFingerprint: keys.primaryFingerprint(of: entry.fpr),
                isValid: isValid, isBad: gpgme_err_code(entry.status) == GPG_ERR_BAD_SIGNATURE, problem: problem)
        }
    }
}

extension OpenPGP.Context {
    /// Adds the key `fingerprint` (with its secret part) as a signer for the next operation.
    func addSigner(_ fingerprint: String, stage: StreamError.Stage) throws {
        var key: gpgme_key_t?
        try check(gpgme_get_key(handle, fingerprint, &key, 1), stage, "secret key \(fingerprint) not found")
        defer { gpgme_key_unref(key) }
        try check(gpgme_signers_add(handle, key), stage, "key \(fingerprint) cannot be used to sign")
    }

    /// The primary key's fingerprint for a (sub)key fingerprint, nil when the keyring lacks it.
    func primaryFingerprint(of fingerprint: String) -> String? {
        guard !fingerprint.isEmpty else { return nil }
        var key: gpgme_key_t?
        guard gpgme_get_key(handle, fingerprint, &key, 0) == 0, let key else { return nil }
        defer { gpgme_key_unref(key) }
        return key.pointee.subkeys.flatMap { $0.pointee.fpr }.map { String(cString: $0) }?.uppercased()
    }
}

extension StreamError.Stage {
    public static let sign = Self("sign")
    public static let verify = Self("verify signature")
    public static let authenticate = Self("authenticate")
}
