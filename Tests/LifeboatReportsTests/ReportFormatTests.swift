import Testing
@testable import LifeboatReports

@Suite struct ReportFormatTests {
    @Test func formatsAreNamedAsOnTheCommandLine() {
        #expect(ReportFormat.allCases.map(\.rawValue) == ["md", "html", "json"])
    }
}
