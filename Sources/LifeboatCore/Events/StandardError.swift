import Foundation

/// Lines for the operator on stderr from library code (warnings that must be seen even when no
/// webhook is configured, and failed deliveries); the CLI prints its own the same way.
public enum StandardError {
    public static func write(_ line: String) {
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    public static func warning(_ text: String) {
        write("warning: \(text)")
    }
}
