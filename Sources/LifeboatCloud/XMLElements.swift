import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The text of every element in a small XML document, by its path ("Error/Code"), in order.
/// Enough for the S3 and Azure responses Lifeboat reads, without a document model.
struct XMLElements {
    private(set) var entries: [(path: String, text: String)] = []

    init(_ data: [UInt8]) {
        let collector = Collector()
        let parser = XMLParser(data: Data(data))
        parser.delegate = collector
        _ = parser.parse()
        entries = collector.entries
    }

    func first(_ path: String) -> String? {
        entries.first { $0.path == path || $0.path.hasSuffix("/" + path) }?.text
    }

    func all(_ path: String) -> [String] {
        entries.filter { $0.path == path || $0.path.hasSuffix("/" + path) }.map(\.text)
    }

    /// The child values of each repeated element (e.g. every "Contents" of a listing).
    /// Entries arrive as elements close, so a record is complete when its element closes.
    func records(_ element: String) -> [[String: String]] {
        var records: [[String: String]] = []
        var current: [String: String] = [:]
        for entry in entries {
            let parts = entry.path.split(separator: "/").map(String.init)
            if parts.last == element {
                records.append(current)
                current = [:]
            } else if parts.count >= 2 && parts[parts.count - 2] == element {
                current[parts.last!] = entry.text
            }
        }
        return records
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var entries: [(path: String, text: String)] = []
        var stack: [String] = []
        var text = ""

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(elementName)
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            entries.append((stack.joined(separator: "/"), text.trimmingCharacters(in: .whitespacesAndNewlines)))
            stack.removeLast()
            text = ""
        }
    }
}
