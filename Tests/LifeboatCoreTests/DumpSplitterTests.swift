import Foundation
import Testing
@testable import LifeboatStreams

/// The parallel restore's cutter on its own: statements come out whole with the line they start
/// on and the kind the router needs, COPY data comes out byte for byte without its `\.` line,
/// and none of it depends on where the chunks break.
@Suite struct DumpSplitterTests {
    final class Recorder: DumpStatementSink {
        var events: [String] = []
        var data: [UInt8] = []
        func statement(_ statement: DumpStatement) throws {
            events.append("\(statement.line) \(statement.kind) \(statement.summary)")
        }
        func copyData(_ rows: ArraySlice<UInt8>) throws { data += rows }
        func copyEnd() throws {
            events.append("data \(String(decoding: data, as: UTF8.self).debugDescription)")
            data = []
        }
    }

    static let dump = """
        --
        -- PostgreSQL database dump
        --

        \\restrict AbC123

        SET client_encoding = 'UTF8';
        SELECT pg_catalog.set_config('search_path', '', false);
        CREATE FUNCTION public.f() RETURNS text
            LANGUAGE sql AS $$SELECT 'a;b'$$;
        CREATE TABLE public."My Table" (id integer, "a;b" text);
        COPY public."My Table" (id, "a;b") FROM stdin;
        1\tx;y
        \\N\t\\\\.
        \\.
        SELECT pg_catalog.setval('public.s', 3, true);
        BEGIN;
        COMMIT;
        CREATE UNIQUE INDEX "idx" ON ONLY public."My Table" USING btree (id);
        ALTER TABLE ONLY public.t
            ADD CONSTRAINT t_pkey PRIMARY KEY (id);
        ALTER TABLE ONLY public.t
            ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES public.u(id);

        \\unrestrict AbC123

        """

    static let expected = [
        "7 setting(\"CLIENT_ENCODING\") SET client_encoding = 'UTF8';",
        "8 setting(\"SEARCH_PATH\") SELECT pg_catalog.set_config('search_path', '', false);",
        "9 other CREATE FUNCTION public.f() RETURNS text",
        "11 other CREATE TABLE public.\"My Table\" (id integer, \"a;b\" text);",
        "12 copy(table: \"public.\\\"My Table\\\"\") COPY public.\"My Table\" (id, \"a;b\") FROM stdin;",
        "data \"1\\tx;y\\n\\\\N\\t\\\\\\\\.\\n\"",
        "16 other SELECT pg_catalog.setval('public.s', 3, true);",
        "19 index(table: \"public.\\\"My Table\\\"\") CREATE UNIQUE INDEX \"idx\" ON ONLY public.\"My Table\" USING btree (id);",
        "20 index(table: \"public.t\") ALTER TABLE ONLY public.t",
        "22 other ALTER TABLE ONLY public.t"
    ]

    static func split(chunkSize: Int) throws -> [String] {
        let recorder = Recorder()
        let splitter = DumpSplitter(sink: recorder)
        let guarded = SQLGuard(downstream: splitter, keepsLineNumbers: true)
        let bytes = Array(dump.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            try guarded.write(Array(bytes[offset..<end]))
            offset = end
        }
        try guarded.finish()
        try splitter.finish()
        return recorder.events
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64, 1 << 20])
    func statementsAndCopyDataWhateverTheChunks(chunkSize: Int) throws {
        #expect(try Self.split(chunkSize: chunkSize) == Self.expected)
    }

    @Test func aLastStatementWithoutSemicolonStillRuns() throws {
        let recorder = Recorder()
        let splitter = DumpSplitter(sink: recorder)
        try splitter.write(Array("SELECT 1;\nSELECT 2\n".utf8))
        try splitter.finish()
        #expect(recorder.events == ["1 other SELECT 1;", "2 other SELECT 2"])
    }
}
