import Foundation
import LifeboatCore
import Synchronization

/// The append-only, fsync'd log of one run. Each event is one JSON line, written and synced
/// before the work it announces goes on, so a crash loses at most the step in flight. Steps
/// running at the same time append through one lock, so lines never interleave.
public final class RunJournal: Sendable {
    public let url: URL
    private let handle: Mutex<FileHandle>

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Milliseconds: step durations and approval waits under a second still add up.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(
                date.formatted(
                    .iso8601.year().month().day().time(includingFractionalSeconds: true)
                        .timeZone(separator: .omitted).dateSeparator(.dash).timeSeparator(.colon).dateTimeSeparator(
                            .standard)))
        }
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(
                text,
                strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)
                    .timeZone(separator: .omitted).dateSeparator(.dash).timeSeparator(.colon).dateTimeSeparator(
                        .standard))
            {
                return date
            }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
        }
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Opens (creating if needed) the journal of the run in `directory`.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        url = directory.appendingPathComponent("journal.jsonl")
        if !FileManager.default.fileExists(atPath: url.path) {
            guard
                FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw RunbookRunError("cannot create \(url.path)", hint: "check LIFEBOAT_STATE_DIR is writable")
            }
        }
        let file = try FileHandle(forUpdating: url)
        try file.seekToEnd()
        handle = Mutex(file)
    }

    deinit { handle.withLock { try? $0.close() } }

    public func append(_ event: JournalEvent) throws {
        var line = try Self.encoder.encode(event)
        line.append(UInt8(ascii: "\n"))
        try handle.withLock { file in
            try file.write(contentsOf: line)
            try file.synchronize()
        }
    }

    /// Every event of a journal file, in order. A torn last line (a crash mid-write) is ignored.
    public static func read(_ url: URL) throws -> [JournalEvent] {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var events: [JournalEvent] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for (index, line) in lines.enumerated() {
            do {
                events.append(try decoder.decode(JournalEvent.self, from: Data(line.utf8)))
            } catch  where index == lines.count - 1 {
                break
            }
        }
        return events
    }
}

/// A run could not go on: what happened and what to do.
public struct RunbookRunError: ExitStatusError, CustomStringConvertible, Sendable {
    /// A run that could not go on failed, like any operation (a held target included: the
    /// concurrent-run tests rely on 1).
    public var exitStatus: ExitStatus { .failed }
    public let message: String
    public let hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { message + (hint.map { "\n  → \($0)" } ?? "") }
}
