import Foundation
import LifeboatStreams

/// Whose backups this host accepts (BACKUP_TRUSTED_SIGNERS, else BACKUP_SIGNING_KEY), and the
/// check of one backup's manifest signature against that list. Anyone who can write the
/// bucket or BACKUP_DIR can plant a file and a matching manifest; only the signing key's
/// holder can make a signature this check accepts.
public struct BackupTrust: Sendable {
    /// Upper-case fingerprints; empty means no signature is required.
    public let signers: [String]
    /// `--allow-unsigned` / `allow_unsigned: true`: a refusal becomes a warning.
    public var allowUnsigned: Bool
    public let gnupgHome: String?

    public init(signers: [String], allowUnsigned: Bool = false, gnupgHome: String? = nil) {
        self.signers = signers.map { $0.uppercased() }
        self.allowUnsigned = allowUnsigned
        self.gnupgHome = gnupgHome
    }

    public init(configuration: LifeboatConfiguration, allowUnsigned: Bool = false) throws {
        self.init(
            signers: try configuration.trustedSigners(), allowUnsigned: allowUnsigned,
            gnupgHome: configuration.gnupgHome)
    }

    /// For reads that only look at a manifest's facts (list, diff, row-count hints) and never
    /// feed the file to anything: nothing is checked.
    public static let unchecked = BackupTrust(signers: [])

    public var isRequired: Bool { !signers.isEmpty }

    /// The stage of every refusal: a retry cannot change the verdict, so runbooks do not retry it.
    public static let refusalStage = "signature"

    /// What the check found, for notes, reports and journals.
    public enum Verdict: Sendable, Equatable {
        /// No signer is configured: nothing was checked.
        case notRequired
        /// A good signature by this trusted key (primary fingerprint).
        case signed(by: String)
        /// Would have been refused; accepted because of `--allow-unsigned`. The reason says why.
        case acceptedUnsigned(reason: String)

        public var summary: String {
            switch self {
            case .notRequired: return "not checked (no BACKUP_SIGNING_KEY or BACKUP_TRUSTED_SIGNERS)"
            case .signed(let fingerprint): return "good signature by trusted key \(fingerprint)"
            case .acceptedUnsigned(let reason): return "accepted with --allow-unsigned: \(reason)"
            }
        }
    }

    /// Checks the manifest of `file` against its detached signature. `manifestBytes` are the
    /// exact bytes `manifest` was decoded from (read once, so what is checked is what is used).
    /// Throws the refusal unless `allowUnsigned`; then the verdict carries the same reason.
    public func authenticate(file: URL, manifest: BackupManifest?, manifestBytes: [UInt8], signature: [UInt8]?) throws
        -> Verdict
    {
        guard isRequired else { return .notRequired }
        let reason: String
        let whose: String
        switch try check(manifest: manifest, manifestBytes: manifestBytes, signature: signature) {
        case .success(let fingerprint):
            // The signed manifest names its file: an older signed backup copied under a newer
            // name (to be taken as the latest) is a replay, not the backup that name promises.
            guard let signedName = manifest?.fileName, signedName != file.lastPathComponent else {
                return .signed(by: fingerprint)
            }
            (reason, whose) = (
                "its signed manifest is for \(signedName), not \(file.lastPathComponent): a signed backup renamed to pass "
                    + "for another (restore it under its own name if it is the one you want)", fingerprint
            )
        case .failure(let refusal): (reason, whose) = (refusal.reason, refusal.whose)
        }
        if allowUnsigned { return .acceptedUnsigned(reason: "\(reason) (signer: \(whose))") }
        throw LifeboatError(
            stage: Self.refusalStage,
            message:
                "\(file.lastPathComponent) is refused: \(reason); signer: \(whose); this host trusts only \(signers.joined(separator: ", "))",
            hint:
                "nothing of it was used. If you know where this backup came from and accept it anyway, pass --allow-unsigned "
                + "(runbooks: the input allow_unsigned: true); to trust another key, add its fingerprint to BACKUP_TRUSTED_SIGNERS",
            category: .badBackup)
    }

    struct Refusal: Error {
        let reason: String
        /// The signer's fingerprint, or "unsigned".
        let whose: String
    }

    private func check(manifest: BackupManifest?, manifestBytes: [UInt8], signature: [UInt8]?) throws -> Result<
        String, Refusal
    > {
        guard let manifest else {
            return .failure(Refusal(reason: "it has no manifest, so no signature", whose: "unsigned"))
        }
        guard let signature else {
            return .failure(
                Refusal(reason: "its manifest has no signature (no .manifest.json.sig beside it)", whose: "unsigned"))
        }
        let found: [OpenPGP.Signature]
        do {
            found = try OpenPGP.verifyDetached(signature: signature, signed: manifestBytes, homeDirectory: gnupgHome)
        } catch let error as StreamError {
            return .failure(
                Refusal(reason: "its manifest signature cannot be read (\(error.message))", whose: "unknown"))
        }
        guard !found.isEmpty else {
            return .failure(Refusal(reason: "its .manifest.json.sig holds no signature", whose: "unsigned"))
        }
        // Every signature counts: one that does not verify means the manifest was changed after
        // signing, whatever else is there.
        if let bad = found.first(where: \.isBad) {
            return .failure(
                Refusal(
                    reason:
                        "its manifest signature does not verify (\(bad.problem ?? "bad signature")): the manifest was changed after it was signed",
                    whose: bad.fingerprint))
        }
        if let good = found.first(where: { $0.isValid && isTrusted($0) }) {

            // Without segment hashes the file could only be judged after psql had it all.
            guard manifest.hasSegments else {
                return .failure(
                    Refusal(
                        reason: "its signed manifest has no segment hashes to check the file with as it is read",
                        whose: good.primaryFingerprint ?? good.fingerprint))
            }
            return .success(good.primaryFingerprint ?? good.fingerprint)
        }
        if let other = found.first(where: \.isValid) {
            return .failure(
                Refusal(
                    reason: "its manifest is signed by a key this host does not trust",
                    whose: other.primaryFingerprint ?? other.fingerprint))
        }
        let first = found[0]
        let keyring = OpenPGP.keyringName(gnupgHome)
        let why =
            first.primaryFingerprint == nil
            ? "its manifest signature cannot be checked: the signer's public key is not in keyring \(keyring) (\(first.problem ?? "unknown key"))"
            : "its manifest signature is not valid (\(first.problem ?? "unusable key"))"
        return .failure(Refusal(reason: why, whose: first.fingerprint))
    }

    /// A signature counts when its key, or the primary key of its subkey, is on the list.
    func isTrusted(_ signature: OpenPGP.Signature) -> Bool {
        signers.contains(signature.fingerprint) || signature.primaryFingerprint.map(signers.contains) == true
    }
}
