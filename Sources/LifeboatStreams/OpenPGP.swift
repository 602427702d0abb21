import CGpgme
import Foundation

/// OpenPGP through gpgme: key lookup, and streaming encryption and decryption driven by
/// gpgme's callback data objects, so that no plaintext or ciphertext is ever held whole.
/// All gpgme pointers stay inside this file and its one sibling, `OpenPGPSignature.swift`.
public enum OpenPGP {
    /// A key usable as a recipient: its fingerprint (what the manifest records) and first user id.
    public struct Key: Sendable, Equatable {
        public let fingerprint: String
        public let userID: String
    }

    /// gpgme must be initialised once per process before any context is made.
    private static let gpgmeVersion: String = {
        setlocale(LC_ALL, "")
        return lifeboat_gpgme_check_version(nil).map { String(cString: $0) } ?? "unknown"
    }()

    public static var libraryVersion: String { gpgmeVersion }

    /// Finds the one key matching `pattern` (key id, fingerprint, or user id) that can encrypt.
    public static func encryptionKey(matching pattern: String, homeDirectory: String? = nil) throws -> Key {
        let context = try Context(homeDirectory: homeDirectory)
        var candidates: [Key] = []
        var unusable: [String] = []
        try context.check(gpgme_op_keylist_start(context.handle, pattern, 0), .encrypt, "key listing failed")
        while true {
            var key: gpgme_key_t?
            let status = gpgme_op_keylist_next(context.handle, &key)
            if gpgme_err_code(status) == GPG_ERR_EOF { break }
            try context.check(status, .encrypt, "key listing failed")
            guard let key else { break }
            defer { gpgme_key_unref(key) }
            let fingerprint = key.pointee.subkeys.flatMap { $0.pointee.fpr }.map { String(cString: $0) } ?? "?"
            let userID = key.pointee.uids.flatMap { $0.pointee.uid }.map { String(cString: $0) } ?? ""
            if key.pointee.can_encrypt == 1 && key.pointee.revoked == 0 && key.pointee.expired == 0
                && key.pointee.disabled == 0 && key.pointee.invalid == 0
            {
                candidates.append(Key(fingerprint: fingerprint, userID: userID))
            } else {
                unusable.append(fingerprint)
            }
        }
        gpgme_op_keylist_end(context.handle)
        let keyring = homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? "~/.gnupg"
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty {
            let why =
                unusable.isEmpty
                ? "no key matches '\(pattern)' in keyring \(keyring)"
                : "the key matching '\(pattern)' cannot encrypt (revoked, expired or disabled)"
            throw StreamError(
                stage: .encrypt, message: why,
                hint:
                    "import the recipient's public key with `gpg --import`, or set BACKUP_ENCRYPTION_KEY to a key listed by `gpg --list-keys`"
            )
        }
        throw StreamError(
            stage: .encrypt,
            message:
                "'\(pattern)' matches \(candidates.count) keys (\(candidates.map(\.fingerprint).joined(separator: ", ")))",
            hint: "set BACKUP_ENCRYPTION_KEY to the full fingerprint of one key")
    }

    /// Encrypts `source` to `recipient` into `sink`: binary OpenPGP, no second compression
    /// (the data is already gzip'd), always trusting the configured key as the operator chose it.
    /// With a `signer`, the message is also signed inside, in the same pass
    /// (`gpgme_op_encrypt_sign`), so that `gpg -d` on its own reports who made the file.
    public static func encrypt(
        _ source: any ByteSource, to sink: any ByteSink, recipient: Key, signer: Key? = nil,
        homeDirectory: String? = nil
    ) throws {
        let context = try Context(homeDirectory: homeDirectory)
        var key: gpgme_key_t?
        try context.check(
            gpgme_get_key(context.handle, recipient.fingerprint, &key, 0), .encrypt,
            "key \(recipient.fingerprint) not found")
        defer { gpgme_key_unref(key) }
        let plain = try CallbackData(source: source, stage: .encrypt)
        let cipher = try CallbackData(sink: sink, stage: .encrypt)
        if let signer { try context.addSigner(signer.fingerprint, stage: .encrypt) }
        var recipients: [gpgme_key_t?] = [key, nil]
        let flags = gpgme_encrypt_flags_t(GPGME_ENCRYPT_ALWAYS_TRUST.rawValue | GPGME_ENCRYPT_NO_COMPRESS.rawValue)
        let status = recipients.withUnsafeMutableBufferPointer {
            signer == nil
                ? gpgme_op_encrypt(context.handle, $0.baseAddress, flags, plain.handle, cipher.handle)
                : gpgme_op_encrypt_sign(context.handle, $0.baseAddress, flags, plain.handle, cipher.handle)
        }
        // A failure inside our own callbacks (pg_dump, disk) is the real cause: report that first.
        if let error = plain.failure ?? cipher.failure { throw error }
        try context.check(status, .encrypt, "encryption failed")
        if let result = gpgme_op_encrypt_result(context.handle), let invalid = result.pointee.invalid_recipients {
            let fpr = invalid.pointee.fpr.map { String(cString: $0) } ?? recipient.fingerprint
            throw StreamError(
                stage: .encrypt, message: "recipient \(fpr) was refused: \(describe(invalid.pointee.reason))")
        }
    }

    /// Decrypts `source` into `sink`; fails when the keyring holds no secret key for the
    /// message or when the OpenPGP integrity check (MDC) fails.
    public static func decrypt(_ source: any ByteSource, to sink: any ByteSink, homeDirectory: String? = nil) throws {
        let context = try Context(homeDirectory: homeDirectory)
        let cipher = try CallbackData(source: source, stage: .decrypt)
        let plain = try CallbackData(sink: sink, stage: .decrypt)
        let status = gpgme_op_decrypt(context.handle, cipher.handle, plain.handle)
        if let error = cipher.failure ?? plain.failure { throw error }
        if status != 0 {
            if gpgme_err_code(status) == GPG_ERR_NO_SECKEY {
                let keyring = homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? "~/.gnupg"
                throw StreamError(
                    stage: .decrypt, message: "no secret key in keyring \(keyring) can decrypt this file",
                    hint:
                        "import the backup key's secret part with `gpg --import`, or set GNUPGHOME to the keyring that has it"
                )
            }
            let code = gpgme_err_code(status)
            if code == GPG_ERR_CANCELED || code == GPG_ERR_NO_PIN_ENTRY || code == GPG_ERR_BAD_PASSPHRASE {
                // gpg wanted a passphrase and could not ask for one: that says nothing about the
                // file's bytes, so it is not damage (a good backup must not be called bad for it).
                throw StreamError(
                    stage: .decrypt,
                    message: "decryption needs a passphrase that cannot be given here (\(describe(status)))",
                    hint:
                        "if the backup key's secret part has a passphrase, unlock it in gpg-agent first (or use a key without one for "
                        + "unattended restores); a file encrypted with a passphrase alone (gpg --symmetric) is not a Lifeboat backup"
                )
            }
            if code == GPG_ERR_NO_DATA {
                // gpgme's own words ("No data") do not say that the file is not OpenPGP at all.
                throw StreamError(
                    stage: .decrypt, message: "decryption failed: the file holds no OpenPGP data (\(describe(status)))",
                    hint: "the file is not an OpenPGP-encrypted backup, or it was overwritten: use another backup",
                    damagedData: true)
            }
            throw StreamError(
                stage: .decrypt, message: "decryption failed: \(describe(status))",
                hint: "the file is damaged (OpenPGP integrity check failed or data cut short): use another backup",
                damagedData: true)
        }
    }

    static func describe(_ error: gpgme_error_t) -> String {
        String(cString: gpgme_strerror(error))
    }

    /// Owns one `gpgme_ctx_t` (module-internal only so that the signature file can use it).
    final class Context {
        let handle: gpgme_ctx_t

        init(homeDirectory: String?) throws {
            _ = OpenPGP.gpgmeVersion
            var ctx: gpgme_ctx_t?
            let status = gpgme_new(&ctx)
            guard status == 0, let ctx else {
                throw StreamError(
                    stage: .encrypt, message: "gpgme could not start: \(OpenPGP.describe(status))",
                    hint: "install gnupg (apt-get install gnupg)")
            }
            handle = ctx
            gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP)
            gpgme_set_armor(ctx, 0)
            if let homeDirectory {
                gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, homeDirectory)
            }
        }

        deinit { gpgme_release(handle) }

        func check(_ status: gpgme_error_t, _ stage: StreamError.Stage, _ what: String) throws {
            guard status != 0 else { return }
            throw StreamError(stage: stage, message: "\(what): \(OpenPGP.describe(status))")
        }
    }

    /// A gpgme data object whose bytes come from a `ByteSource` or go to a `ByteSink`.
    /// gpgme keeps a pointer to the callback table, so the table lives as long as this object.
    final class CallbackData {
        private(set) var handle: gpgme_data_t?
        private let callbacks: UnsafeMutablePointer<gpgme_data_cbs>
        private let source: (any ByteSource)?
        private let sink: (any ByteSink)?
        private let stage: StreamError.Stage
        private var pending: [UInt8] = []
        private var pendingOffset = 0
        /// The first error thrown by our source or sink, kept because gpgme only sees "-1".
        var failure: (any Error)?

        init(source: (any ByteSource)? = nil, sink: (any ByteSink)? = nil, stage: StreamError.Stage) throws {
            self.source = source
            self.sink = sink
            self.stage = stage
            callbacks = .allocate(capacity: 1)
            callbacks.initialize(
                to: gpgme_data_cbs(
                    read: source == nil
                        ? nil
                        : { handle, buffer, size in
                            Unmanaged<CallbackData>.fromOpaque(handle!).takeUnretainedValue().read(buffer!, size)
                        },
                    write: sink == nil
                        ? nil
                        : { handle, buffer, size in
                            Unmanaged<CallbackData>.fromOpaque(handle!).takeUnretainedValue().write(buffer!, size)
                        },
                    seek: nil, release: nil))
            var data: gpgme_data_t?
            let status = gpgme_data_new_from_cbs(&data, callbacks, Unmanaged.passUnretained(self).toOpaque())
            guard status == 0 else {
                callbacks.deallocate()
                throw StreamError(stage: stage, message: "gpgme data setup failed: \(OpenPGP.describe(status))")
            }
            handle = data
            // gpgme pumps a callback object to and from gpg through 4 KiB (PIPE_BUF) reads and
            // writes unless told otherwise: a poll, a pipe read or write and a callback per
            // 4 KiB. 256 KiB buffers (gpgme caps them at 1 MiB) cut those round trips 64-fold
            // (the gpgme thread's kernel time fell by more than half in `perf`; make bench's
            // medians did not move). A gpgme without the flag still works.
            _ = gpgme_data_set_flag(data, "io-buffer-size", String(Self.ioBufferSize))
        }

        /// What gpgme moves per read or write between this object and gpg.
        static let ioBufferSize = 256 * 1024

        deinit {
            if let handle { gpgme_data_release(handle) }
            callbacks.deallocate()
        }

        private func read(_ buffer: UnsafeMutableRawPointer, _ size: Int) -> Int {
            do {
                if pendingOffset >= pending.count {
                    guard let chunk = try source?.next() else { return 0 }
                    pending = chunk
                    pendingOffset = 0
                }
                let count = min(size, pending.count - pendingOffset)
                pending.withUnsafeBytes { bytes in
                    buffer.copyMemory(from: bytes.baseAddress! + pendingOffset, byteCount: count)
                }
                pendingOffset += count
                return count
            } catch {
                if failure == nil { failure = error }
                errno = EIO
                return -1
            }
        }

        private func write(_ buffer: UnsafeRawPointer, _ size: Int) -> Int {
            do {
                try sink?.write(Array(UnsafeRawBufferPointer(start: buffer, count: size)))
                return size
            } catch {
                if failure == nil { failure = error }
                errno = EIO
                return -1
            }
        }
    }
}

extension OpenPGP {
    /// A secret key found for a recipient: the key's primary fingerprint and first user id.
    public struct SecretKey: Sendable, Equatable {
        public let fingerprint: String
        public let userID: String
    }

    /// The secret key able to decrypt what was encrypted to `keyID` (a 16-digit key id from
    /// the file's session-key packet, or a fingerprint from a manifest), or nil when the
    /// keyring has none. A key id must name a subkey whose secret part is present; a primary
    /// fingerprint is satisfied by any encryption subkey with its secret part (that subkey is
    /// the one a message to the key is encrypted to). Asks gpg through gpgme, changes nothing.
    public static func secretKey(for keyID: String, homeDirectory: String? = nil) throws -> SecretKey? {
        let wanted = keyID.uppercased()
        let context = try Context(homeDirectory: homeDirectory)
        try context.check(gpgme_op_keylist_start(context.handle, wanted, 1), .decrypt, "secret key listing failed")
        defer { gpgme_op_keylist_end(context.handle) }
        while true {
            var key: gpgme_key_t?
            let status = gpgme_op_keylist_next(context.handle, &key)
            if gpgme_err_code(status) == GPG_ERR_EOF { return nil }
            try context.check(status, .decrypt, "secret key listing failed")
            guard let key else { return nil }
            defer { gpgme_key_unref(key) }
            var subkeys: [(keyID: String, fingerprint: String, secret: Bool, canEncrypt: Bool)] = []
            var cursor = key.pointee.subkeys
            while let subkey = cursor {
                subkeys.append(
                    (
                        subkey.pointee.keyid.map { String(cString: $0) }?.uppercased() ?? "",
                        subkey.pointee.fpr.map { String(cString: $0) }?.uppercased() ?? "",
                        subkey.pointee.secret == 1, subkey.pointee.can_encrypt == 1
                    ))
                cursor = subkey.pointee.next
            }
            let named = subkeys.firstIndex {
                $0.keyID == wanted || $0.fingerprint == wanted
                    || (wanted.count >= 8 && $0.fingerprint.hasSuffix(wanted))
            }
            let usable: Bool
            switch named {
            case 0?: usable = subkeys.contains { $0.secret && $0.canEncrypt } || subkeys[0].secret
            case let index?: usable = subkeys[index].secret
            case nil: usable = false
            }
            if usable {
                let userID = key.pointee.uids.flatMap { $0.pointee.uid }.map { String(cString: $0) } ?? ""
                return SecretKey(fingerprint: subkeys.first?.fingerprint ?? wanted, userID: userID)
            }
        }
    }

    /// The keyring gpgme uses: the given folder, GNUPGHOME, or gpg's default.
    public static func keyringName(_ homeDirectory: String?) -> String {
        homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? "~/.gnupg"
    }
}
