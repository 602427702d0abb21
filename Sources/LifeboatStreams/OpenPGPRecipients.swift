import Foundation

/// The key ids an OpenPGP message is encrypted to, read from its leading Public-Key
/// Encrypted Session Key packets (RFC 4880 §5.1) without decrypting anything, so that a
/// preflight can ask the keyring for exactly those secret keys. gpgme 1.18 has no
/// "list recipients only" mode; its decrypt result would name them only after trying.
public enum OpenPGPRecipients {
    /// The recipients' key ids (16 upper-case hex digits), in file order; a hidden recipient
    /// (`gpg --throw-keyids`) appears as sixteen zeros. Nil when `bytes` does not start with
    /// binary OpenPGP session-key packets (armored text, or not OpenPGP at all).
    public static func keyIDs(in bytes: [UInt8]) -> [String]? {
        var offset = 0
        var ids: [String] = []
        while offset < bytes.count {
            guard let packet = header(bytes, at: offset) else { break }
            let body = offset + packet.headerLength
            guard body + packet.bodyLength <= bytes.count else { break }
            switch packet.tag {
            case 1:
                // Version 3: version, 8-byte key id, algorithm, then the encrypted session key.
                guard packet.bodyLength >= 10, bytes[body] == 3 else { return ids.isEmpty ? nil : ids }
                ids.append(bytes[(body + 1)..<(body + 9)].map { String(format: "%02X", $0) }.joined())
            case 3, 10:
                break  // a passphrase session key, or a marker packet: neither names a key
            default:
                return ids.isEmpty ? nil : ids  // the encrypted data begins: no more recipients
            }
            offset = body + packet.bodyLength
        }
        return ids.isEmpty ? nil : ids
    }

    /// The key ids of a file, from its first 64 KiB (session-key packets are a few hundred bytes each).
    public static func keyIDs(inFile path: String) throws -> [String]? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StreamError(stage: .read, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 65_536) ?? Data()
        return keyIDs(in: Array(head))
    }

    struct Header {
        let tag: Int
        let headerLength: Int
        let bodyLength: Int
    }

    /// A packet header in either format; nil for what is not one, or a partial body length
    /// (session-key packets never use one).
    static func header(_ bytes: [UInt8], at offset: Int) -> Header? {
        let first = bytes[offset]
        guard first & 0x80 != 0 else { return nil }
        func byte(_ index: Int) -> Int? { offset + index < bytes.count ? Int(bytes[offset + index]) : nil }
        if first & 0x40 != 0 {
            let tag = Int(first & 0x3F)
            guard let o1 = byte(1) else { return nil }
            switch o1 {
            case 0..<192: return Header(tag: tag, headerLength: 2, bodyLength: o1)
            case 192..<224:
                guard let o2 = byte(2) else { return nil }
                return Header(tag: tag, headerLength: 3, bodyLength: ((o1 - 192) << 8) + o2 + 192)
            case 255:
                guard let b1 = byte(2), let b2 = byte(3), let b3 = byte(4), let b4 = byte(5) else { return nil }
                return Header(tag: tag, headerLength: 6, bodyLength: (b1 << 24) | (b2 << 16) | (b3 << 8) | b4)
            default: return nil
            }
        }
        let tag = Int((first >> 2) & 0x0F)
        switch first & 0x03 {
        case 0:
            guard let length = byte(1) else { return nil }
            return Header(tag: tag, headerLength: 2, bodyLength: length)
        case 1:
            guard let b1 = byte(1), let b2 = byte(2) else { return nil }
            return Header(tag: tag, headerLength: 3, bodyLength: (b1 << 8) | b2)
        case 2:
            guard let b1 = byte(1), let b2 = byte(2), let b3 = byte(3), let b4 = byte(4) else { return nil }
            return Header(tag: tag, headerLength: 5, bodyLength: (b1 << 24) | (b2 << 16) | (b3 << 8) | b4)
        default:
            return nil
        }
    }
}
