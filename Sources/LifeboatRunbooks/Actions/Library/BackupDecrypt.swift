import Foundation
import LifeboatCore
import LifeboatStreams

/// `backup.decrypt`: a `.gpg` backup becomes a 0600 artifact in the run folder, with a
/// manifest of its own (same tables, the decrypted file's size and SHA-256), so the restore
/// that follows still validates against the backup's row counts. The signed original is
/// authenticated here (manifest signature, then each segment before gpg sees it); the
/// plaintext then counts as this run's own artifact (see `BackupTrustParameter.isRunArtifact`).
public enum BackupDecrypt: RunbookAction {
    public static let name = "backup.decrypt"

    public enum Output {
        /// The plaintext copy in the run folder (the original when it was not encrypted).
        public static let path = "path"
    }

    static let spec = ActionSpec(
        name: name, summary: "decrypt a backup into a 0600 artifact in the run folder",
        parameters: [.required("backup", .string, "path of the .gpg backup"), BackupTrustParameter.spec],
        outputs: [Output.path, BackupTrustParameter.output], safeToRepeat: true, changesLiveSystems: false,
        resumeNeeds: [.transientRunFile(output: Output.path)])

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let source = URL(fileURLWithPath: try parameters.required("backup"))
        guard source.lastPathComponent.hasSuffix(".gpg") else {
            // Nothing to decrypt: the next step reads the original and checks it itself.
            return [
                Output.path: source.path, BackupTrustParameter.output: "not checked here: the file is not encrypted"
            ]
        }
        try FileManager.default.createDirectory(
            at: context.artifacts, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let name = String(source.lastPathComponent.dropLast(4))
        let output = context.artifacts.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: output.path) { try FileManager.default.removeItem(at: output) }
        let reader = try BackupReader.open(source, trust: try BackupTrustParameter.trust(parameters, context))
        let verdict = BackupTrustParameter.record(reader.authentication, source, context)
        if reader.manifest != nil && !(reader.manifest?.hasSegments ?? false) { _ = try reader.checkHash() }
        // A decrypt killed outright (the engine got SIGKILL) left its partial plaintext file;
        // its lock shows whether its writer is gone. Without this the resumed step could not
        // create the file again (EEXIST), and the plaintext would stay.
        _ = AtomicFileSink.removeAbandonedPartials(in: context.artifacts) { $0 == name }
        let sink = try AtomicFileSink(directory: context.artifacts, finalName: name)
        let hashing = SHA256Tap(downstream: sink)
        GnuPGAgent.launch(homeDirectory: context.configuration.gnupgHome)
        do {
            try OpenPGP.decrypt(
                try reader.authenticatedSource(), to: hashing, homeDirectory: context.configuration.gnupgHome)
            try sink.commit()
        } catch let error as StreamError {
            sink.abort()
            throw error.stage == .authenticate
                ? LifeboatError(stage: "authenticate", message: error.message, hint: error.hint, category: .badBackup)
                : LifeboatError(error)
        } catch {
            sink.abort()
            throw error
        }
        if var manifest = reader.manifest {
            manifest.fileName = name
            manifest.fileBytes = hashing.byteCount
            manifest.sha256 = hashing.finalize()
            manifest.encryption = nil
            // The segments and signature describe the encrypted original, not this plaintext.
            manifest.segmentSize = nil
            manifest.segmentSha256 = nil
            manifest.signedBy = nil
            try manifest.write(to: URL(fileURLWithPath: output.path + ".manifest.json"))
        }
        return [Output.path: output.path, BackupTrustParameter.output: verdict]
    }
}
