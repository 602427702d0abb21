/// Serves `prefix` first, then everything of `upstream`: a few statements put in front of a
/// child's output without copying the rest.
public final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]?
    private let upstream: any ByteSource

    public init(prefix: [UInt8], upstream: any ByteSource) {
        self.prefix = prefix.isEmpty ? nil : prefix
        self.upstream = upstream
    }

    public func next() throws -> [UInt8]? {
        if let prefix {
            self.prefix = nil
            return prefix
        }
        return try upstream.next()
    }
}
