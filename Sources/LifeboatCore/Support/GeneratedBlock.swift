/// The part of a checked-in documentation page that `lifeboat docs` writes: everything between
/// the two marker lines. The prose around it is written by hand; the block is made from the
/// code (configuration keys, the action catalog, the command tree), and a test compares the two.
public enum GeneratedBlock {
    public static let begin = "<!-- BEGIN GENERATED: edit the code, then run `make docs` -->"
    public static let end = "<!-- END GENERATED -->"

    /// The block's text in `page`, or nil when the markers are missing.
    public static func contents(of page: String) -> String? {
        guard let start = page.range(of: begin + "\n"),
            let stop = page.range(of: end, range: start.upperBound..<page.endIndex)
        else {
            return nil
        }
        return String(page[start.upperBound..<stop.lowerBound])
    }

    /// `page` with its block replaced by `text`, or nil when the markers are missing.
    public static func replacing(in page: String, with text: String) -> String? {
        guard let start = page.range(of: begin + "\n"),
            let stop = page.range(of: end, range: start.upperBound..<page.endIndex)
        else {
            return nil
        }
        let body = text.hasSuffix("\n") ? text : text + "\n"
        return String(page[..<start.upperBound]) + body + String(page[stop.lowerBound...])
    }
}
