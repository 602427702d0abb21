import Foundation

/// The pgBackRest backup sets `lifeboat list` shows beside the logical backups, with the
/// window a point-in-time restore can reach.
public struct PhysicalListing: Sendable {
    public let settings: PhysicalEngineSettings
    public let stanza: PgBackRestInfo.Stanza
    public let window: WALWindow
    /// When the server last archived WAL; nil when the database could not be asked.
    public let lastArchivedTime: Date?

    /// nil when the physical engine is off; an error when pgBackRest cannot list the stanza.
    public static func load(_ configuration: LifeboatConfiguration) throws -> PhysicalListing? {
        guard let settings = try PhysicalEngineSettings.configured(configuration) else { return nil }
        let stanza = try PgBackRest(settings: settings).info()
        // The end of the window is the server's last archived WAL; without the server it stays open.
        let archived = (try? ArchiverStatus.read(configuration))?.lastArchivedTime
        return PhysicalListing(
            settings: settings, stanza: stanza, window: WALWindow(stanza: stanza, lastArchivedTime: archived),
            lastArchivedTime: archived)
    }
}
