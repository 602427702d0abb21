import Testing
@testable import LifeboatCore

/// The readings of a `--table` name: the SQL spelling by PostgreSQL's rules, and the plain form
/// the manifest prints.
@Suite struct TableNameTests {
    @Test(arguments: [
        ("payment", TableName(schema: nil, name: "payment")),
        ("Film", TableName(schema: nil, name: "film")),
        ("public.Film", TableName(schema: "public", name: "film")),
        ("\"Sales Dept\".\"Order Items\"", TableName(schema: "Sales Dept", name: "Order Items")),
        ("public.\"ta\"\"ble\"", TableName(schema: "public", name: "ta\"ble")),
        ("\"a.b\".c", TableName(schema: "a.b", name: "c")),
        ("Überprüfung", TableName(schema: nil, name: "überprüfung")),
        (" spaced.t ", TableName(schema: "spaced", name: "t"))
    ])
    func sqlSpelling(_ text: String, _ expected: TableName) {
        #expect(TableName.sql(text) == expected)
    }

    @Test(arguments: ["", "a.b.c", "\"unclosed", "\"\"", "a..b", "Sales Dept.Order Items", "1abc", "a.", "\"x\"y"])
    func notSQL(_ text: String) {
        #expect(TableName.sql(text) == nil)
    }

    @Test func plainFormsSplitAtEachDot() {
        #expect(
            TableName.plain("My Schema.T t") == [
                TableName(schema: nil, name: "My Schema.T t"), TableName(schema: "My Schema", name: "T t")
            ])
        #expect(TableName.matches("Sales Dept.Order Items", schema: "Sales Dept", name: "Order Items"))
        #expect(TableName.matches("\"Sales Dept\".\"Order Items\"", schema: "Sales Dept", name: "Order Items"))
        #expect(!TableName.matches("\"Sales Dept\".\"order items\"", schema: "Sales Dept", name: "Order Items"))
        #expect(TableName.matches("payment", schema: "public", name: "payment"))
    }

    @Test func quotedIsValidSQL() {
        #expect(TableName(schema: "Sales Dept", name: "ta\"ble").quoted == "\"Sales Dept\".\"ta\"\"ble\"")
        #expect(
            TableName.sql(TableName(schema: "Sales Dept", name: "ta\"ble").quoted)
                == TableName(schema: "Sales Dept", name: "ta\"ble"))
    }
}
