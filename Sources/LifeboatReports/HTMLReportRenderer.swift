import Mustache

/// The report as one self-contained HTML file, with the timeline chart (see `HTMLReportTemplate`).
enum HTMLReportRenderer {
    static func render(_ report: RunReport) throws -> String {
        let library: MustacheLibrary
        do {
            library = MustacheLibrary(templates: [
                "report": try MustacheTemplate(string: HTMLReportTemplate.page),
                "timeline": try MustacheTemplate(string: HTMLReportTemplate.timeline),
                "span": try MustacheTemplate(string: HTMLReportTemplate.span),
                "style": try MustacheTemplate(string: HTMLReportTemplate.style),
                "head": try MustacheTemplate(string: HTMLReportTemplate.head)
            ])
        } catch {
            throw ReportError(
                .template, "the HTML report template does not parse: \(error)",
                hint: "this is a bug in Lifeboat: write the report with --format md or json meanwhile")
        }
        guard let html = library.render(HTMLReportView(report), withTemplate: "report") else {
            throw ReportError(.template, "the HTML report template is missing", hint: "this is a bug in Lifeboat")
        }
        return html
    }
}
