import Foundation
import LifeboatStreams

/// Where `verify` keeps its verdict. An unsigned manifest holds it, as it always did. A signed
/// manifest is never rewritten: its signature covers its exact bytes, so `gpg --verify
/// NAME.manifest.json.sig NAME.manifest.json` holds for the backup's whole life; its verdict
/// goes to `NAME.verification.json` beside it, which `list` and `status` read back. The verdict
/// is display only: nothing decides what to restore by it.
enum VerificationRecord {
    static func url(for backup: URL) -> URL { URL(fileURLWithPath: backup.path + ".verification.json") }

    static func write(_ verdict: BackupManifest.Verification, into manifest: BackupManifest, backup: URL) throws {
        if manifest.signedBy != nil
            && FileManager.default.fileExists(atPath: BackupSigner.signatureURL(for: backup).path)
        {
            try AtomicFileSink.writeReplacing(
                Array(try BackupManifest.encoder.encode(verdict)) + [UInt8(ascii: "\n")], to: url(for: backup))
            return
        }
        var updated = manifest
        updated.verification = verdict
        try updated.write(to: URL(fileURLWithPath: backup.path + ".manifest.json"))
    }

    /// `manifest` with the verdict kept beside it, when there is one.
    static func merged(_ manifest: BackupManifest, backup: URL) -> BackupManifest {
        guard manifest.verification == nil, let data = FileManager.default.contents(atPath: url(for: backup).path),
            let verdict = try? BackupManifest.decoder.decode(BackupManifest.Verification.self, from: data)
        else { return manifest }
        var merged = manifest
        merged.verification = verdict
        return merged
    }
}
