import Foundation

/// The scheduler's idea of now. Real time by default; tests (and rehearsals of a week of
/// schedules in minutes) run it faster from a shared origin, so several workers started with
/// the same `--time-origin` and `--time-scale` agree on every slot.
public struct ScheduleClock: Sendable {
    public let origin: Date
    public let scale: Double

    public init(origin: Date = Date(), scale: Double = 1) {
        self.origin = origin
        self.scale = scale
    }

    public func now(real: Date = Date()) -> Date {
        scale == 1 ? real : origin.addingTimeInterval(real.timeIntervalSince(origin) * scale)
    }
}
