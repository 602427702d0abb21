import Foundation
import Testing
@testable import LifeboatStreams

/// The SQL guard on its own: what pg_dump writes passes untouched (less its `\restrict`
/// lines), what psql would run as a meta-command or a forbidden statement is refused on the
/// right line, and the verdict does not depend on where the chunks break.
@Suite struct SQLGuardTests {
    /// Runs `text` through a guard in chunks of `chunkSize` bytes; the forwarded bytes or the refusal.
    static func run(_ text: String, chunkSize: Int = 1 << 20) -> (output: String, refusal: SQLGuardRefusal?) {
        let sink = MemorySink()
        let guarded = SQLGuard(downstream: sink)
        let bytes = Array(text.utf8)
        do {
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunkSize)
                try guarded.write(Array(bytes[offset..<end]))
                offset = end
            }
            try guarded.finish()
            return (String(decoding: sink.bytes, as: UTF8.self), nil)
        } catch let refusal as SQLGuardRefusal {
            return (String(decoding: sink.bytes, as: UTF8.self), refusal)
        } catch {
            Issue.record("unexpected error \(error)")
            return ("", nil)
        }
    }

    /// Excerpts of real pg_dump 15 output (Pagila and friends): each must pass as it is.
    static let dumpConstructs: [String] = [
        "SET standard_conforming_strings = on;\nSET client_encoding = 'UTF8';\nSELECT pg_catalog.set_config('search_path', '', false);\n",
        "CREATE FUNCTION public.f() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n    NEW.last_update = CURRENT_TIMESTAMP;\n    RETURN NEW;\nEND $$;\n",
        "CREATE FUNCTION public.g(p text) RETURNS text\n    LANGUAGE sql\n    AS $_$ SELECT regexp_replace($1, '\\s+', ' ') -- \\! not a command\n; COMMIT; $_$;\n",
        "CREATE FUNCTION public.h() RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT 1;\n SELECT CASE WHEN true THEN 1 ELSE 2 END;\nEND;\n",
        "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT c CHECK ((email ~ '^\\S+@\\S+$'::text));\n",
        "COMMENT ON TABLE public.t IS 'it''s a \"table\" with \\ a backslash';\n",
        "CREATE VIEW public.v AS\n SELECT E'\\n'::text AS nl, U&'\\0041' AS a, B'0101' AS b, X'1F' AS x, \"weird\\name\" AS q;\n",
        "/* a /* nested */ \\! comment */ SELECT 1;\n-- \\! a line comment\nSELECT 2; -- trailing \\ comment\n",
        "COPY public.actor (actor_id, first_name, last_update) FROM stdin;\n1\tPENELOPE\t2022-02-15 09:34:33+00\n2\t\\N\tback\\\\slash\\ttab\\nnewline\n\\N\tx\ty\n\\.\n\n",
        "COPY public.empty (a) FROM stdin;\n\\.\n",
        "SELECT pg_catalog.setval('public.actor_actor_id_seq', 200, true);\nCREATE USER MAPPING FOR postgres SERVER s;\n",
        "GRANT ALL ON SCHEMA public TO PUBLIC;\nREVOKE SELECT(col) ON TABLE public.t FROM bob;\n",
        "SELECT 1e5, 1.5e-3, $1, x$y$z FROM t;\nSELECT $tag$ text with ' and \" and \\ $ta $tagX$ $tag$;\n",
        "INSERT INTO t VALUES ('a'\r'continued', 'b');\n"
    ]

    @Test(arguments: dumpConstructs)
    func dumpOutputPasses(_ text: String) {
        let result = Self.run(text)
        #expect(result.refusal == nil, "refused: \(String(describing: result.refusal))")
        #expect(result.output == text)
    }

    /// pg_dump's large-object block: its `BEGIN;` and `COMMIT;` lines are dropped, so the
    /// restore stays one transaction; everything else passes.
    static let largeObjects = """
        SELECT pg_catalog.lo_create('54686');
        ALTER LARGE OBJECT 54686 OWNER TO postgres;
        BEGIN;

        SELECT pg_catalog.lo_open('54686', 131072);
        SELECT pg_catalog.lowrite(0, '\\x68656c6c6f');
        SELECT pg_catalog.lo_close(0);

        COMMIT;

        """

    @Test(arguments: [1, 2, 5, 1 << 20])
    func largeObjectTransactionLinesAreDropped(_ chunkSize: Int) {
        let result = Self.run(Self.largeObjects, chunkSize: chunkSize)
        #expect(result.refusal == nil)
        #expect(
            result.output
                == Self.largeObjects.replacingOccurrences(of: "BEGIN;\n", with: "")
                .replacingOccurrences(of: "COMMIT;\n", with: ""))
    }

    @Test func restrictLinesAreDroppedAndTheRestPasses() {
        let text = "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\nSET x = 1;\n\\unrestrict AbC123\n\n"
        let result = Self.run(text)
        #expect(result.refusal == nil)
        #expect(result.output == "--\n-- PostgreSQL database dump\n--\n\n\nSET x = 1;\n\n")
    }

    /// (SQL, line, command) for each form a planted file may take.
    static let forbidden: [(String, Int, String)] = [
        ("\\! touch /tmp/x\n", 1, "\\!"),
        ("SET a = 1;\n\\c other_db\n", 2, "\\c"),
        ("SELECT 1;\n\\copy t to program 'id'\n", 2, "\\copy"),
        ("\\o |cat\n", 1, "\\o"),
        ("\\setenv PAGER id\n", 1, "\\setenv"),
        ("\\i /etc/passwd\n", 1, "\\i"),
        ("SELECT 1; \\! touch /tmp/x\n", 1, "\\!"),
        ("SELECT 'a'\\! id\n", 1, "\\!"),
        ("SELECT 1 -- c\r\\! id\n", 1, "\\!"),
        ("\\! touch x\r\nSELECT 1;\r\n", 1, "\\!"),
        ("SELECT 1;\r\n\\restrict abc\r\n", 2, "\\restrict"),
        ("\\restrict abc\n\\restrict def\n", 2, "\\restrict"),
        ("\\restrict a-b\n", 1, "\\restrict"),
        ("  \\restrict abc\n", 1, "\\restrict"),
        ("SELECT $$ a $$ \\! id\n", 1, "\\!"),
        ("SELECT E'\\'' \\! id\n", 1, "\\!"),
        ("SELECT 1e'\\'' \\! id\n", 1, "\\!"),
        ("SELECT \"a\"\"b\" \\! id\n", 1, "\\!"),
        ("SELECT /* a /* b */ c */ \\! id\n", 1, "\\!"),
        ("SELECT 'a'\r'\\' \\! id'\n", 1, "\\!"),
        ("COMMIT;\nCREATE ROLE x SUPERUSER LOGIN;\n", 2, "CREATE ROLE"),
        ("commit;\n", 1, "COMMIT"),
        ("COMMIT; CREATE ROLE x;\n", 1, "COMMIT"),
        ("SELECT 1;\nBEGIN;\r\n", 2, "BEGIN"),
        ("BEGIN ;\n", 1, "BEGIN"),
        ("SELECT 1;\nCREATE ROLE x SUPERUSER LOGIN;\n", 2, "CREATE ROLE"),
        ("/* c */ begin;\n", 1, "BEGIN"),
        ("END;\n", 1, "END"),
        ("ROLLBACK;\n", 1, "ROLLBACK"),
        ("PREPARE TRANSACTION 'x';\n", 1, "PREPARE"),
        ("ALTER SYSTEM SET archive_command = 'id';\n", 1, "ALTER SYSTEM"),
        ("ALTER USER postgres PASSWORD 'x';\n", 1, "ALTER USER"),
        ("GRANT pg_execute_server_program TO bob;\n", 1, "GRANT … TO role"),
        ("COPY t FROM PROGRAM 'id';\n", 1, "COPY other than FROM stdin"),
        ("COPY (SELECT 1) TO '/tmp/x';\n", 1, "COPY other than FROM stdin"),
        ("LOAD '/tmp/evil.so';\n", 1, "LOAD"),
        ("SET standard_conforming_strings = off;\n", 1, "SET STANDARD_CONFORMING_STRINGS ?"),
        ("SET client_encoding = 'SJIS';\n", 1, "SET CLIENT_ENCODING ?"),
        ("SELECT set_config('client_encoding', 'BIG5', false);\n", 1, "SELECT SET_CONFIG ?"),
        ("COPY t (a) FROM stdin; SELECT 1;\n1\n\\.\n", 1, "text after FROM stdin;"),
        ("COPY t (a) FROM stdin;\n1\n\\! touch x\n", 3, "\\!"),
        ("COPY t (a) FROM stdin;\n1\n2\n", 4, "COPY at line 1"),
        ("COPY t (a) FROM stdin;\na\\c\n\\.\n", 2, "\\c"),
        ("COPY t (a) FROM stdin;\n\\.x\n", 2, "\\."),
        ("SELECT 'a\u{0}';\n", 1, "NUL byte"),
        ("SELECT 'never closed\n", 2, "end of file")
    ]

    @Test(arguments: forbidden)
    func forbiddenFormsAreRefusedOnTheirLine(_ text: String, _ line: Int, _ command: String) {
        let result = Self.run(text)
        #expect(result.refusal?.line == line)
        #expect(result.refusal?.command == command)
    }

    /// Nothing of the chunk that holds a refused line reaches psql.
    @Test func nothingOfTheRefusedChunkIsForwarded() {
        let result = Self.run("SELECT 1;\n\\! touch x\n")
        #expect(result.refusal != nil)
        #expect(result.output.isEmpty)
    }

    @Test(arguments: dumpConstructs.map { ($0, true) } + forbidden.map { ($0.0, false) })
    func chunkBoundariesDoNotMatter(_ text: String, _ passes: Bool) {
        let whole = Self.run(text)
        for size in [1, 2, 3, 7] {
            let split = Self.run(text, chunkSize: size)
            #expect(split.refusal == whole.refusal, "chunk size \(size)")
            if passes { #expect(split.output == whole.output, "chunk size \(size)") }
        }
    }

    /// A 10 MB line passes through without being held, and one holding a meta-command is refused.
    @Test func longLinesStreamAndAreChecked() throws {
        let long = "SELECT '" + String(repeating: "x", count: 10 << 20) + "';\n"
        let sink = MemorySink()
        let guarded = SQLGuard(downstream: sink)
        let bytes = Array(long.utf8)
        try guarded.write(Array(bytes[0..<(1 << 20)]))
        #expect(sink.bytes.count == 1 << 20)
        try guarded.write(Array(bytes[(1 << 20)...]))
        try guarded.finish()
        #expect(Self.run(String(repeating: "y", count: 10 << 20) + " \\! id\n").refusal?.command == "\\!")
        #expect(Self.run("\\!" + String(repeating: "z", count: 10 << 20) + "\n").refusal?.line == 1)
    }
}
