import Foundation
import LifeboatStreams

extension Preflight {
    /// `gpg.secret_key`: for an encrypted backup, the keyring Lifeboat uses (GNUPGHOME) holds
    /// the secret key of one of its recipients. The recipients are read from the file's
    /// session-key packets; for a backup in the bucket (or a file that names no recipient),
    /// the manifest's recipient stands in. Asks gpg through gpgme; decrypts nothing.
    func secretKey(_ subject: PreflightSubject, _ backup: BackupFacts) -> PreflightCheck {
        let name = "gpg.secret_key"
        let keyring = OpenPGP.keyringName(configuration.gnupgHome)
        if case .unresolved(let why, _) = subject.backup {
            return PreflightCheck(
                name, .warn, "no backup chosen yet, so whether a key is needed is unknown (keyring \(keyring)): \(why)",
                hint: "the run chooses its backup when it starts; check again once one can be chosen")
        }
        guard backup.encrypted || backup.manifest?.encryption != nil else {
            return PreflightCheck(name, .skipped, "the backup is not encrypted")
        }
        guard subject.readsBackup else { return PreflightCheck(name, .skipped, "nothing decrypts the backup") }
        GnuPGAgent.launch(homeDirectory: configuration.gnupgHome)  // before gpgme asks for secret keys
        var recipients: [String] = []
        var source = "the file's session-key packets"
        if case .local(let url) = subject.backup, backup.readable,
            let ids = try? OpenPGPRecipients.keyIDs(inFile: url.path)
        {
            recipients = ids.filter { $0 != String(repeating: "0", count: 16) }
        }
        if recipients.isEmpty, let recipient = backup.manifest?.encryption?.recipient {
            recipients = [recipient]
            source = "the manifest"
        }
        guard !recipients.isEmpty else {
            return PreflightCheck(
                name, .warn, "the backup's recipient is unknown (no manifest, hidden recipient); keyring \(keyring)",
                hint: "`gpg --list-packets FILE` names the key it needs")
        }
        do {
            for recipient in recipients {
                if let key = try OpenPGP.secretKey(for: recipient, homeDirectory: configuration.gnupgHome) {
                    return PreflightCheck(
                        name, .ok,
                        "secret key \(key.fingerprint) (\(key.userID)) for recipient \(recipient) is in keyring \(keyring)"
                    )
                }
            }
        } catch {
            return PreflightCheck(
                name, .fail, "cannot list the secret keys of keyring \(keyring): \(error)",
                hint: "check that GNUPGHOME is a GnuPG folder this user may read")
        }
        return PreflightCheck(
            name, .fail,
            "no secret key for recipient \(recipients.joined(separator: ", ")) (from \(source)) in keyring \(keyring)",
            hint:
                "import the backup key's secret part (`gpg --import secret-key.asc`), or set GNUPGHOME to the keyring that has it"
        )
    }
}
