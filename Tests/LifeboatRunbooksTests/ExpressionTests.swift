// Tests for references, templates and `when:` expressions. Foundation is not imported here
// because it also declares a type named `Expression`.
import Testing
@testable import LifeboatRunbooks

@Suite struct ExpressionTests {
    typealias Value = Expression.Value

    /// Values a resolver hands back in the evaluation tests.
    static let values: [Reference: Value] = [
        .input("count"): .number(1500),
        .input("rows"): .string("42"),
        .input("version"): .string("10"),
        .input("name"): .string("orders"),
        .input("mode"): .string("full"),
        .input("force"): .bool(true),
        .input("flag"): .string("false"),
        .env("PGHOST"): .string("db1"),
        .runID: .string("r-1")
    ]

    struct Unresolved: Error, Equatable {
        let reference: Reference
    }

    static func resolve(_ reference: Reference) throws -> Value {
        guard let value = values[reference] else { throw Unresolved(reference: reference) }
        return value
    }

    // MARK: Parsing

    @Test(arguments: [
        ("true", Expression.literal(.bool(true))),
        ("false", .literal(.bool(false))),
        ("'single'", .literal(.string("single"))),
        ("\"double\"", .literal(.string("double"))),
        (#""say \"hi\"""#, .literal(.string(#"say "hi""#))),
        (#"'it\'s'"#, .literal(.string("it's"))),
        (#"'a\\b'"#, .literal(.string(#"a\b"#))),
        ("42", .literal(.number(42))),
        ("-3.5", .literal(.number(-3.5))),
        ("0.25", .literal(.number(0.25))),
        ("${inputs.db}", .reference(.input("db"))),
        ("${ steps.pick.outputs.name }", .reference(.stepOutput(step: "pick", output: "name")))
    ])
    func parsesOperands(text: String, expected: Expression) throws {
        let comparison = try Expression.parse("\(text) == \(text)")
        #expect(comparison == .compare(.equal, expected, expected))
    }

    @Test(arguments: Expression.ComparisonOperator.allCases)
    func parsesEveryComparisonOperator(op: Expression.ComparisonOperator) throws {
        let expression = try Expression.parse("${inputs.a} \(op.rawValue) 1")
        #expect(expression == .compare(op, .reference(.input("a")), .literal(.number(1))))
    }

    /// Canonical text parenthesises every nested operation, which makes the grouping visible.
    @Test(arguments: [
        ("true || false && false", "true || (false && false)"),
        ("true && false || false", "(true && false) || false"),
        ("(true || false) && false", "(true || false) && false"),
        ("true && true && false", "(true && true) && false"),
        ("true || true || false", "(true || true) || false"),
        ("!true == false", "!true == false"),
        ("!(true == false)", "!(true == false)"),
        ("!!true", "!!true"),
        (
            "${inputs.a} == 1 && ${inputs.b} != 'x' || !${inputs.c}",
            #"((${inputs.a} == 1) && (${inputs.b} != "x")) || !${inputs.c}"#
        ),
        ("1 < 2 && 3 >= 2", "(1 < 2) && (3 >= 2)"),
        ("  ( ( true ) )  ", "true")
    ])
    func precedence(text: String, canonical: String) throws {
        let expression = try Expression.parse(text)
        #expect(expression.description == canonical)
        #expect(try Expression.parse(canonical) == expression)
    }

    @Test func orBindsLooserThanAnd() throws {
        let expression = try Expression.parse("true || false && false")
        #expect(expression == .or(.literal(.bool(true)), .and(.literal(.bool(false)), .literal(.bool(false)))))
        #expect(try expression.evaluate(resolve: Self.resolve))
        #expect(try !Expression.parse("(true || false) && false").evaluate(resolve: Self.resolve))
    }

    @Test func notBindsTighterThanComparison() throws {
        let expression = try Expression.parse("!true == false")
        #expect(expression == .compare(.equal, .not(.literal(.bool(true))), .literal(.bool(false))))
        #expect(try expression.evaluate(resolve: Self.resolve))
    }

    @Test func extractsDistinctReferencesInOrder() throws {
        let expression = try Expression.parse(
            "${inputs.a} == ${steps.s.outputs.o} || ${inputs.a} != ${env.HOME} && !(${run.id} == 'x')")
        #expect(
            expression.references == [
                .input("a"), .stepOutput(step: "s", output: "o"), .env("HOME"), .runID
            ])
        #expect(try Expression.parse("1 < 2").references.isEmpty)
    }

    // MARK: Evaluation

    @Test(arguments: [
        ("${inputs.count} > 1000", true),
        ("${inputs.count} <= 1000", false),
        ("${inputs.rows} == 42", true),
        ("${inputs.rows} == 42.0", true),
        ("${inputs.version} > 9", true),
        ("'10' > '9'", true),
        ("'abc' < 'abd'", true),
        ("'b' >= 'abc'", true),
        ("'10x' > '9x'", false),
        (#"${inputs.name} == "orders""#, true),
        ("${inputs.name} != 'orders'", false),
        ("${inputs.name} == 5", false),
        ("${inputs.force} == true", true),
        ("${inputs.force} == 'true'", true),
        ("${inputs.flag} == false", true),
        ("${inputs.flag} != true", true),
        ("${inputs.force} == 1", false),
        ("${inputs.force} != 'yes'", true),
        ("${inputs.force} && ${inputs.count} >= 1500", true),
        ("!${inputs.flag}", true),
        ("${inputs.flag} || ${inputs.mode} == 'full'", true),
        ("${inputs.force}", true),
        ("${inputs.flag}", false),
        ("'true'", true),
        ("1 <= 1", true),
        ("2 >= 3", false),
        ("-1 < 0", true),
        ("${env.PGHOST} == 'db1' && ${run.id} != ''", true)
    ])
    func evaluates(text: String, expected: Bool) throws {
        #expect(try Expression.parse(text).evaluate(resolve: Self.resolve) == expected)
    }

    @Test(arguments: [
        ("false && ${steps.skipped.outputs.ok}", false),
        ("true || ${steps.skipped.outputs.ok}", true),
        ("!(true || ${steps.skipped.outputs.ok})", false),
        ("${inputs.flag} && ${steps.skipped.outputs.ok} == 'x'", false)
    ])
    func shortCircuits(text: String, expected: Bool) throws {
        var asked: [Reference] = []
        let result = try Expression.parse(text).evaluate { reference in
            asked.append(reference)
            return try Self.resolve(reference)
        }
        #expect(result == expected)
        #expect(!asked.contains(.stepOutput(step: "skipped", output: "ok")))
    }

    @Test func evaluatesRightSideWhenNeeded() throws {
        let expression = try Expression.parse("true && ${steps.skipped.outputs.ok}")
        #expect(throws: Unresolved(reference: .stepOutput(step: "skipped", output: "ok"))) {
            try expression.evaluate(resolve: Self.resolve)
        }
    }

    @Test(arguments: [
        ("${inputs.mode} && true", "'&&' needs true or false, got \"full\" from ${inputs.mode}"),
        ("false || ${inputs.count}", "'||' needs true or false, got 1500 from ${inputs.count}"),
        ("!${inputs.name}", "'!' needs true or false, got \"orders\" from ${inputs.name}"),
        ("${inputs.count}", "a 'when' condition needs true or false, got 1500 from ${inputs.count}"),
        ("${inputs.force} < 2", "'<' cannot order true and 2"),
        ("${inputs.force} >= ${inputs.name}", "'>=' cannot order true and \"orders\"")
    ])
    func typeErrorsAtEvaluation(text: String, message: String) throws {
        let expression = try Expression.parse(text)
        let error = try #require(throws: ExpressionError.self) { try expression.evaluate(resolve: Self.resolve) }
        #expect(error.message == message)
        #expect(error.column == nil)
        #expect(error.description == message)
    }

    // MARK: Syntax errors

    @Test(arguments: [
        ("", "empty expression", 1),
        ("   ", "empty expression", 1),
        ("${inputs.a} = 1", "unknown operator '='; use '==' to compare", 13),
        ("true & false", "unknown operator '&'; use '&&'", 6),
        ("true | false", "unknown operator '|'; use '||'", 6),
        ("(true || false", "expected ')'", 15),
        ("((true)", "expected ')'", 8),
        ("(1 == 1 true)", "expected ')' before 'true'", 9),
        ("true)", "unexpected ')'", 5),
        ("${inputs.a} ==", "unexpected end of expression", 15),
        ("true &&", "unexpected end of expression", 8),
        ("!", "unexpected end of expression", 2),
        ("== 1", "expected a value, found '=='", 1),
        ("true && || false", "expected a value, found '||'", 9),
        ("()", "empty parentheses", 2),
        ("true true", "expected an operator before 'true'", 6),
        ("'abc", "unterminated string (missing closing ')", 1),
        ("${inputs.a", "unterminated '${' (missing '}')", 1),
        ("${} == 1", "empty reference '${}'", 3),
        ("${foo.x} == 1", "unknown reference 'foo'", 3),
        ("${steps.a.result.x} == 1", "expected 'outputs' after 'steps.a', found 'result'", 11),
        ("${steps.a} == 1", "incomplete reference; expected steps.<id>.outputs.<name>", 10),
        ("${run.name} == 1", "unknown run field 'name'", 7),
        ("1 < 2 < 3", "comparisons cannot be chained", 7),
        ("true and false", "unknown word 'and'; use '&&'", 6),
        ("true or false", "unknown word 'or'; use '||'", 6),
        ("not true", "unknown word 'not'; use '!'", 1),
        ("True", "booleans are lowercase true and false", 1),
        ("inputs.mode == 'x'", "did you mean ${inputs.mode}?", 1),
        ("mode == 'x'", "unknown word 'mode'; quote text", 1),
        ("1.2.3 == 1", "malformed number '1.2.3'", 1),
        ("5m > 1", "malformed number '5m'", 1),
        ("'${inputs.a}' == 'x'", "references are not expanded inside quotes", 2),
        (#"'a\nb' == 'x'"#, "unknown escape in string", 3),
        ("5", "a 'when' condition needs true or false, not 5", 1),
        ("'yes' && true", #"'&&' needs true or false, not "yes""#, 1),
        ("true || 3", "'||' needs true or false, not 3", 9),
        ("!'x'", #"'!' needs true or false, not "x""#, 2),
        ("true < 1", "'<' cannot order true or false", 1),
        ("${inputs.a} == 1 #", "unexpected character '#'", 18),
        ("$inputs.a == 1", "unexpected '$'; write references as ${...}", 1),
        ("- 1 == 1", "unexpected character '-'", 1)
    ])
    func rejects(text: String, fragment: String, column: Int) {
        let error = #expect(throws: ExpressionError.self) { try Expression.parse(text) }
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
        #expect(error?.column == column, "\(error?.description ?? "no error")")
    }

    @Test func errorDescriptionNamesTheColumn() {
        let error = #expect(throws: ExpressionError.self) { try Expression.parse("(true || false") }
        #expect(error?.description == "expected ')' at column 15")
        #expect(error?.code == .syntax)
    }

    @Test func referenceErrorsKeepTheirOwnCode() {
        let error = #expect(throws: ExpressionError.self) { try Expression.parse("${foo.x}") }
        #expect(error?.code == .invalidReference)
    }
}

extension ExpressionTests {
    /// `${...}` references on their own.
    @Suite struct References {
        @Test(arguments: [
            ("inputs.db", Reference.input("db")),
            ("inputs.deleted_at", .input("deleted_at")),
            (" inputs.db ", .input("db")),
            ("steps.pick.outputs.name", .stepOutput(step: "pick", output: "name")),
            ("steps.stop-services.outputs.stopped", .stepOutput(step: "stop-services", output: "stopped")),
            ("env.PGHOST", .env("PGHOST")),
            ("env.AWS_REGION", .env("AWS_REGION")),
            ("run.id", .runID)
        ])
        func parses(text: String, expected: Reference) throws {
            let reference = try Reference.parse(text)
            #expect(reference == expected)
            #expect(try Reference.parse(reference.path) == reference)
            #expect(reference.description == "${\(reference.path)}")
        }

        @Test func knowsItsStep() {
            #expect(Reference.stepOutput(step: "pick", output: "name").stepID == "pick")
            #expect(Reference.input("pick").stepID == nil)
        }

        @Test(arguments: [
            ("", ReferenceError.Code.emptyReference, "empty reference", 0),
            ("  ", .emptyReference, "empty reference", 0),
            ("foo.x", .unknownRoot, "unknown reference 'foo'; references start with inputs., steps., env. or run.", 0),
            ("input.x", .unknownRoot, "unknown reference 'input'", 0),
            ("inputs", .malformedPath, "incomplete reference; expected inputs.<name>", 6),
            ("inputs.", .malformedPath, "empty name in reference", 7),
            ("inputs.a.b", .malformedPath, "unexpected '.b'; expected inputs.<name>", 8),
            (".x", .malformedPath, "reference starts with '.'", 0),
            ("steps.pick", .malformedPath, "expected steps.<id>.outputs.<name>", 10),
            ("steps.pick.output.name", .malformedPath, "expected 'outputs' after 'steps.pick', found 'output'", 11),
            ("steps.pick.outputs", .malformedPath, "incomplete reference", 18),
            ("steps.pick.outputs.a.b", .malformedPath, "unexpected '.b'", 20),
            ("steps..outputs.x", .malformedPath, "empty name", 6),
            ("run.name", .malformedPath, "unknown run field 'name'; only run.id exists", 4),
            ("env.MY-VAR", .invalidCharacter, "invalid character '-'", 6),
            ("inputs.a b", .invalidCharacter, "invalid character ' '", 8),
            ("inputs.é", .invalidCharacter, "invalid character 'é'", 7),
            ("fo$o.x", .invalidCharacter, "invalid character '$'", 2)
        ])
        func rejects(text: String, code: ReferenceError.Code, fragment: String, offset: Int) {
            let error = #expect(throws: ReferenceError.self) { try Reference.parse(text) }
            #expect(error?.code == code)
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
            #expect(error?.offset == offset)
        }
    }

    /// Strings with embedded references (action parameters, approval messages).
    @Suite struct Templates {
        @Test func splitsLiteralsAndReferences() throws {
            let template = try Template.parse("restore ${steps.pick.outputs.name} into ${inputs.db}")
            #expect(
                template.parts == [
                    .literal("restore "), .reference(.stepOutput(step: "pick", output: "name")),
                    .literal(" into "), .reference(.input("db"))
                ])
            #expect(template.references == [.stepOutput(step: "pick", output: "name"), .input("db")])
            #expect(template.singleReference == nil)
            #expect(template.description == "restore ${steps.pick.outputs.name} into ${inputs.db}")
        }

        @Test(arguments: [
            ("", [Template.Part]()),
            ("plain text", [.literal("plain text")]),
            ("cost $5, home $HOME, end $", [.literal("cost $5, home $HOME, end $")]),
            ("${inputs.a}${inputs.b}", [.reference(.input("a")), .reference(.input("b"))]),
            ("}${run.id}{", [.literal("}"), .reference(.runID), .literal("{")])
        ])
        func parses(text: String, parts: [Template.Part]) throws {
            #expect(try Template.parse(text).parts == parts)
        }

        @Test(arguments: [
            ("${inputs.n}", Optional(Reference.input("n"))),
            ("${ env.HOME }", .env("HOME")),
            (" ${inputs.n}", nil),
            ("${inputs.n}s", nil),
            ("${inputs.a}${inputs.a}", nil),
            ("plain", nil)
        ])
        func detectsASingleReference(text: String, expected: Reference?) throws {
            #expect(try Template.parse(text).singleReference == expected)
        }

        @Test func listsEachReferenceOnceInOrder() throws {
            let template = try Template.parse("${inputs.b} ${inputs.a} ${inputs.b} ${run.id}")
            #expect(template.references == [.input("b"), .input("a"), .runID])
        }

        @Test func renders() throws {
            let template = try Template.parse("pg_restore -d ${inputs.db} ${steps.pick.outputs.path} # ${run.id}")
            let text = template.render { reference in
                switch reference {
                case .input(let name): "<\(name)>"
                case .stepOutput(let step, let output): "\(step)/\(output)"
                case .env(let name): name
                case .runID: "r-7"
                }
            }
            #expect(text == "pg_restore -d <db> pick/path # r-7")
        }

        @Test func renderPassesResolverErrorsThrough() throws {
            struct Missing: Error, Equatable {}
            let template = try Template.parse("x ${inputs.gone}")
            #expect(throws: Missing()) { try template.render { _ in throw Missing() } }
        }

        @Test func mergesAdjacentLiterals() {
            let template = Template(parts: [
                .literal("a"), .literal(""), .literal("b"), .reference(.runID), .literal("")
            ])
            #expect(template.parts == [.literal("ab"), .reference(.runID)])
        }

        @Test(arguments: [
            ("abc ${inputs.x", ReferenceError.Code.unterminated, "unterminated '${' (missing '}')", 4),
            ("${}", .emptyReference, "empty reference '${}'", 2),
            ("x ${foo.y}", .unknownRoot, "unknown reference 'foo'", 4),
            ("${steps.a.outputs}", .malformedPath, "incomplete reference", 17),
            ("${inputs.a} ${steps.p.out.x}", .malformedPath, "expected 'outputs'", 22),
            ("ok ${inputs.a} then ${inputs.}", .malformedPath, "empty name", 29),
            ("${inputs.${inputs.a}}", .invalidCharacter, "invalid character '$'", 9)
        ])
        func rejects(text: String, code: ReferenceError.Code, fragment: String, offset: Int) {
            let error = #expect(throws: ReferenceError.self) { try Template.parse(text) }
            #expect(error?.code == code)
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
            #expect(error?.offset == offset, "\(error?.description ?? "no error")")
            #expect(error?.description == "\(error?.message ?? "") at column \(offset + 1)")
        }
    }
}
