extension RunReport {
    /// The report as a document in `format`, ending with a newline.
    public func render(_ format: ReportFormat) throws -> String {
        switch format {
        case .json: return try JSONReportRenderer.render(self)
        case .markdown: return MarkdownReportRenderer.render(self)
        case .html: return try HTMLReportRenderer.render(self)
        }
    }
}
