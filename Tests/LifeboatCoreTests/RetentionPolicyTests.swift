import Foundation
import Testing
@testable import LifeboatCore

/// Two years of synthetic backups, as the seed's scheduler would have made them.
func syntheticTwoYears(start: Date = Date(timeIntervalSince1970: 1_704_067_200)) -> [BackupName] {
    var names: [BackupName] = []
    for day in 0..<730 {
        let date = start.addingTimeInterval(Double(day) * 86400)
        names.append(
            BackupName(type: .daily, timestamp: date.addingTimeInterval(3 * 3600), compressed: true, encrypted: false))
        if day % 7 == 0 {
            names.append(
                BackupName(
                    type: .weekly, timestamp: date.addingTimeInterval(4 * 3600), compressed: true, encrypted: true))
        }
        if day % 30 == 0 {
            names.append(
                BackupName(
                    type: .monthly, timestamp: date.addingTimeInterval(5 * 3600), compressed: true, encrypted: true))
        }
        if day % 50 == 0 {
            names.append(
                BackupName(
                    type: .manual, timestamp: date.addingTimeInterval(12 * 3600), compressed: false, encrypted: false))
        }
    }
    return names
}

@Suite struct RetentionPolicyTests {
    @Test func keepsExactlyTheNewestNPerType() {
        let names = syntheticTwoYears()
        let plan = RetentionPolicy.seedDefaults.plan(names)
        for (type, limit) in [(BackupType.daily, 7), (.weekly, 4), (.monthly, 12)] {
            let all = names.filter { $0.type == type }.sorted(by: >)
            let kept = plan.keep.filter { $0.type == type }
            #expect(kept == Array(all.prefix(limit)), "newest \(limit) \(type) kept")
            #expect(Set(plan.remove.filter { $0.type == type }) == Set(all.dropFirst(limit)))
        }
        // Manual backups are never pruned unless a limit is configured.
        #expect(plan.remove.allSatisfy { $0.type != .manual })
        #expect(plan.keep.count + plan.remove.count == names.count)
    }

    @Test func manualLimitApplies() {
        var policy = RetentionPolicy.seedDefaults
        policy.limits[.manual] = 3
        let plan = policy.plan(syntheticTwoYears())
        #expect(plan.keep.filter { $0.type == .manual }.count == 3)
    }

    @Test func zeroKeepsNone() {
        let policy = RetentionPolicy(limits: [.daily: 0, .weekly: nil, .monthly: nil, .manual: nil])
        let plan = policy.plan(syntheticTwoYears())
        #expect(plan.keep.allSatisfy { $0.type != .daily })
    }

    @Test func fewerThanTheLimitKeepsAll() {
        let names = Array(syntheticTwoYears().filter { $0.type == .daily }.prefix(3))
        #expect(RetentionPolicy.seedDefaults.plan(names).remove.isEmpty)
    }
}

/// Issue 18 item 3: a planted far-future name takes no retention slot and is never removed.
@Suite struct RetentionClockTests {
    @Test func namesAheadOfTheClockTakeNoSlot() {
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        let names = syntheticTwoYears()
        let planted = (0..<7).map {
            BackupName(
                type: .daily, timestamp: Date(timeIntervalSince1970: 4_070_908_800 + Double($0) * 86400),
                compressed: true, encrypted: false)
        }
        let plan = RetentionPolicy.seedDefaults.plan(names + planted, now: now)
        let honest = RetentionPolicy.seedDefaults.plan(names, now: now)
        #expect(Set(plan.ahead) == Set(planted))
        #expect(plan.remove == honest.remove, "the real dailies keep their seven slots")
        #expect(Set(plan.keep) == Set(honest.keep + planted), "the planted ones are kept, not deleted")
    }

    @Test(arguments: [(59 * 60.0, false), (61 * 60.0, true), (-86400.0 * 365, false)])
    func anHourOfToleranceForClocks(offset: TimeInterval, ahead: Bool) {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let name = BackupName(
            type: .daily, timestamp: now.addingTimeInterval(offset), compressed: true, encrypted: false)
        #expect(name.isAhead(of: now) == ahead)
    }
}
