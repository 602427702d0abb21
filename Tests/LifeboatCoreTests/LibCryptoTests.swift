import Foundation
import LifeboatStreams
import Testing

/// The libcrypto wrapper against published test vectors (FIPS 180-2, RFC 1321, RFC 4231), and
/// the value semantics the taps rely on: a copied running digest finalizes on its own.
@Suite struct LibCryptoTests {
    @Test func sha256MatchesFIPS180Vectors() {
        #expect(
            DigestHex.of(SHA256.hash(data: Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            DigestHex.of(SHA256.hash(data: [UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        var hasher = SHA256()
        for piece in ["abcdbcdecdefdefgefghfghighijhijkijkljklm", "klmnlmnomnopnopq"] {
            hasher.update(data: Array(piece.utf8))
        }
        #expect(DigestHex.of(hasher.finalize()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func md5MatchesRFC1321Vectors() {
        #expect(DigestHex.of(MD5.hash(data: [UInt8]())) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(DigestHex.of(MD5.hash(data: Data("message digest".utf8))) == "f96b697d7cb7938d525a2f31aaf161d0")
    }

    @Test func hmacSHA256MatchesRFC4231Vectors() {
        // Test case 2: a short key.
        #expect(
            DigestHex.of(
                HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block size (hashed first).
        #expect(
            DigestHex.of(
                HMACSHA256.authenticationCode(
                    for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                    key: [UInt8](repeating: 0xaa, count: 131)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(HMACSHA256.authenticationCode(for: [UInt8](), key: [UInt8]()).count == 32, "empty key and message")
    }

    @Test func hexIsLowercaseWithTwoDigitsAByte() {
        #expect(DigestHex.of([0x00, 0x0f, 0x10, 0xa5, 0xff]) == "000f10a5ff")
        #expect(DigestHex.of([UInt8]()) == "")
    }

    @Test func aCopiedDigestGoesOnAlone() {
        var running = SHA256()
        running.update(data: Array("ab".utf8))
        var copy = running
        #expect(
            DigestHex.of(running.finalize()) == DigestHex.of(SHA256.hash(data: Array("ab".utf8))),
            "finalize leaves it running")
        copy.update(data: Array("c".utf8))
        running.update(data: Array("x".utf8))
        #expect(DigestHex.of(copy.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(running.finalize() == SHA256.hash(data: Array("abx".utf8)))
    }
}
