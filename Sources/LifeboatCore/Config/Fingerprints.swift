/// Parses the OpenPGP fingerprints of BACKUP_SIGNING_KEY and BACKUP_TRUSTED_SIGNERS. Only full
/// fingerprints are accepted: a short key id or a user id could match a key an attacker adds
/// to the keyring, and a trust list must name exactly one key per entry.
enum Fingerprints {
    /// Upper-case fingerprints, in order; spaces inside a fingerprint (as `gpg -k` prints
    /// them in groups of four) are not allowed in a list, so entries split at commas and spaces.
    static func parse(_ configuration: LifeboatConfiguration, _ key: ConfigurationKey) throws -> [String] {
        guard let raw = configuration.string(key) else { return [] }
        let entries = raw.split { $0 == "," || $0.isWhitespace }.map { String($0).uppercased() }
        for entry in entries {
            let hex = entry.hasPrefix("0X") ? String(entry.dropFirst(2)) : entry
            guard hex.count == 40 || hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw configuration.invalid(
                    key, raw,
                    "full key fingerprints (40 hex digits, as `gpg --list-secret-keys --with-colons` prints on its fpr lines)"
                        + (key == .trustedSigners ? ", separated by commas or spaces" : ""))
            }
        }
        if key == .signingKey, entries.count > 1 {
            throw configuration.invalid(key, raw, "one key fingerprint (list the others in BACKUP_TRUSTED_SIGNERS)")
        }
        return entries.map { $0.hasPrefix("0X") ? String($0.dropFirst(2)) : $0 }
    }
}
