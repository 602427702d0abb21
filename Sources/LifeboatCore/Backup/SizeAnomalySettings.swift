import Foundation

extension SizeAnomaly {
    /// BACKUP_SIZE_ANOMALY_WINDOW and BACKUP_SIZE_ANOMALY_BAND, checked before a backup starts so
    /// that a typo stops it with a configuration error rather than silently turning the check off.
    public struct Settings: Sendable, Equatable {
        /// How many earlier backups of the type are compared with; 0 turns the check off.
        public var window: Int
        /// How far (percent of the median) a size may be from the median, either way.
        public var bandPercent: Double

        public static let standard = Settings(window: 7, bandPercent: 50)

        public init(window: Int, bandPercent: Double) {
            self.window = window
            self.bandPercent = bandPercent
        }

        public var isEnabled: Bool { window > 0 }

        public init(configuration: LifeboatConfiguration) throws {
            let window = try configuration.int(.sizeAnomalyWindow) ?? Self.standard.window
            guard window == 0 || window >= SizeAnomaly.minimumHistory else {
                throw configuration.invalid(
                    .sizeAnomalyWindow, String(window),
                    "0 (no size check) or a whole number of \(SizeAnomaly.minimumHistory) or more "
                        + "(fewer earlier backups say too little about what is normal)")
            }
            let band: Double
            if let raw = configuration.string(.sizeAnomalyBand) {
                guard let value = Self.parseBand(raw) else {
                    throw configuration.invalid(
                        .sizeAnomalyBand, raw,
                        "a percentage above 0 and below 100, e.g. 50 (or 50%): warn below half the median or above 1.5 times it"
                    )
                }
                band = value
            } else {
                band = Self.standard.bandPercent
            }
            self.init(window: window, bandPercent: band)
        }

        /// `50`, `50%`, `12.5`: above 0 and below 100 (at 100 or more nothing could be too small).
        public static func parseBand(_ raw: String) -> Double? {
            var text = raw.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("%") { text = String(text.dropLast()).trimmingCharacters(in: .whitespaces) }
            guard let value = Double(text), value.isFinite, value > 0, value < 100 else { return nil }
            return value
        }
    }
}
