import Foundation

/// Sizes and durations for messages that leave the terminal (webhooks, disk warnings), in the
/// decimal units disk vendors and BACKUP_DISK_MIN_FREE_GB use: 12.3 MB, 9.8 GB.
public enum ByteSize {
    public static func decimal(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Gigabytes (10^9 bytes) as written in BACKUP_DISK_MIN_FREE_GB.
    public static let gigabyte: Double = 1_000_000_000

    public static func seconds(_ seconds: Double) -> String {
        String(format: "%.1f s", seconds)
    }
}
