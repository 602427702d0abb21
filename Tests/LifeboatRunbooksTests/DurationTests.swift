import Testing
@testable import LifeboatRunbooks

@Suite struct DurationTests {
    @Test(arguments: [
        ("30s", 30_000),
        ("5m", 300_000),
        ("2h", 7_200_000),
        ("1d", 86_400_000),
        ("1h30m", 5_400_000),
        ("250ms", 250),
        ("90", 90_000),
        ("0", 0),
        ("0s", 0),
        ("1m30s", 90_000),
        ("1s500ms", 1_500),
        ("1d2h3m4s5ms", 93_784_005),
        ("  45s\t", 45_000),
        ("007m", 420_000)
    ])
    func parses(text: String, milliseconds: Int) throws {
        let duration = try DurationValue.parse(text)
        #expect(duration.milliseconds == milliseconds)
        #expect(duration.seconds == Double(milliseconds) / 1_000)
        #expect(duration.timeInterval == duration.seconds)
    }

    @Test(arguments: [
        (5_400_000, "1h30m"),
        (90_000, "1m30s"),
        (250, "250ms"),
        (0, "0s"),
        (86_400_000, "1d"),
        (1_500, "1s500ms"),
        (90_061_001, "1d1h1m1s1ms"),
        (172_800_000 + 60_000, "2d1m")
    ])
    func formatsCompactly(milliseconds: Int, text: String) throws {
        let duration = DurationValue(milliseconds: milliseconds)
        #expect(duration.description == text)
        #expect(try DurationValue.parse(text) == duration)
    }

    @Test func equalSpellingsAreEqual() throws {
        let spellings = try ["90", "90s", "1m30s", "90000ms"].map(DurationValue.parse)
        #expect(Set(spellings).count == 1)
        #expect(try DurationValue.parse("1m") < DurationValue.parse("61s"))
    }

    @Test func convertsFromSecondsAndToSwiftDuration() {
        #expect(DurationValue(seconds: 0.25).milliseconds == 250)
        #expect(DurationValue(seconds: 5_400).description == "1h30m")
        #expect(DurationValue(seconds: 0.0004).milliseconds == 0)
        #expect(DurationValue(milliseconds: 1_500).duration == .milliseconds(1_500))
    }

    @Test(arguments: [
        ("", "empty duration; write e.g. 30s, 5m or 1h30m"),
        ("   ", "empty duration"),
        ("-5m", "invalid duration '-5m': durations cannot be negative"),
        ("-1", "durations cannot be negative"),
        ("5x", "invalid duration '5x': unknown unit 'x'; use ms, s, m, h or d"),
        ("5M", "unknown unit 'M'"),
        ("5sec", "unknown unit 'sec'"),
        ("2w", "unknown unit 'w'"),
        ("1.5m", "unexpected '.'; use whole numbers"),
        ("1.5", "unexpected '.'"),
        ("1h30", "'30' needs a unit"),
        ("30m1h", "unit 'h' is repeated or out of order"),
        ("1h1h", "unit 'h' is repeated or out of order"),
        ("1h 30m", "spaces are not allowed"),
        ("5 m", "spaces are not allowed"),
        ("abc", "expected a number at 'abc'"),
        ("h", "expected a number at 'h'"),
        ("+5s", "expected a number at '+5s'"),
        ("1h-5m", "expected a number at '-5m'"),
        ("99999999999999999999", "too large"),
        ("9999999999999d", "too large"),
        ("106751991167d999999999h", "too large")
    ])
    func rejects(text: String, fragment: String) {
        let error = #expect(throws: DurationError.self) { try DurationValue.parse(text) }
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
        #expect(error?.description == error?.message)
    }
}
