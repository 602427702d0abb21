import Foundation

/// A TCP port nothing listens on, for a drill's scratch postmaster. Read from the kernel's
/// socket tables (/proc/net/tcp, tcp6) rather than by binding a socket, which would need C
/// socket calls outside the adapter modules; a port taken between the pick and the start makes
/// the postmaster fail with "Address already in use", and the drill picks again
/// (`ScratchRecovery.startOnAFreePort`).
public enum FreePort {
    /// Below Linux's ephemeral range (32768–60999), where every outgoing connection takes a
    /// port at random and a pick would race far more often.
    public static func pick(in range: ClosedRange<Int> = 20000...32767) throws -> Int {
        let used = listening()
        for _ in 0..<200 {
            let port = Int.random(in: range)
            if !used.contains(port) { return port }
        }
        throw LifeboatError(
            stage: "drill", message: "found no free TCP port in \(range.lowerBound)-\(range.upperBound)")
    }

    /// Local ports of every socket in /proc/net/tcp and tcp6 (any state: a port in TIME_WAIT is
    /// best left alone too).
    static func listening() -> Set<Int> {
        var ports = Set<Int>()
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 1, let colon = fields[1].lastIndex(of: ":"),
                    let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16)
                else { continue }
                ports.insert(port)
            }
        }
        return ports
    }
}
