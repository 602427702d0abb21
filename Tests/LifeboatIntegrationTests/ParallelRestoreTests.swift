import Foundation
import Testing
@testable import LifeboatCore
import LifeboatPostgres

/// The parallel restore (RESTORE_JOBS connections, `ParallelSQLRestorer`) against psql: the
/// same backup file, restored once by plain `gpg -d | gunzip | psql` and once in parallel,
/// gives the same database: every table's rows (md5), indexes (and whether they are valid),
/// constraints (with their deferral), triggers and sequence values. The psql half also shows
/// that psql alone restores the files Lifeboat writes.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ParallelRestoreTests {
    /// What "the same database" means here, in comparable text.
    struct Contents: Equatable, CustomStringConvertible {
        var tables: [String: String] = [:]
        var indexes: [String] = []
        var constraints: [String] = []
        var triggers: [String] = []
        var sequences: [String] = []
        var description: String {
            "\(tables.count) tables, \(indexes.count) indexes, \(constraints.count) constraints, \(triggers.count) triggers, \(sequences.count) sequences"
        }
    }

    static let userSchemas = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"

    static func contents(of database: ScratchDatabase) throws -> Contents {
        let connection = try database.connect()
        func column(_ sql: String) throws -> [String] { try connection.query(sql).rows.compactMap { $0[0] } }
        var contents = Contents()
        for table in try column(
            """
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname \(userSchemas) ORDER BY 1
            """)
        {
            contents.tables[table] =
                try connection.query(
                    "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ONLY \(table) t"
                ).scalar ?? ""
        }
        contents.indexes = try column(
            """
            SELECT format('%s %s valid=%s', i.indexrelid::regclass, pg_get_indexdef(i.indexrelid), i.indisvalid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname \(userSchemas) ORDER BY 1
            """)
        contents.constraints = try column(
            """
            SELECT format('%s %s %s deferrable=%s deferred=%s validated=%s', c.conrelid::regclass, c.conname,
                          pg_get_constraintdef(c.oid), c.condeferrable, c.condeferred, c.convalidated)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname \(userSchemas) ORDER BY 1
            """)
        contents.triggers = try column(
            """
            SELECT format('%s %s', pg_get_triggerdef(t.oid), t.tgenabled) FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1
            """)
        contents.sequences = try column(
            """
            SELECT format('%I.%I %s', schemaname, sequencename, coalesce(last_value::text, 'unset'))
            FROM pg_sequences ORDER BY 1
            """)
        return contents
    }

    /// `gpg -d | gunzip | psql` (as far as the file's name says), the manual procedure.
    static func psqlRestore(_ file: URL, into target: ScratchDatabase) throws {
        var pipeline = "cat \(shellQuote(file.path))"
        if file.path.hasSuffix(".gpg") { pipeline = "gpg --batch --quiet -d \(shellQuote(file.path))" }
        if file.path.hasSuffix(".gz") || file.path.hasSuffix(".gz.gpg") { pipeline += " | gunzip" }
        let psql = try TestEnvironment.pgBin + "/psql"
        let result = try Command.shell(
            "\(pipeline) | \(shellQuote(psql)) -X -q --no-password -v ON_ERROR_STOP=1 --single-transaction -d \(shellQuote(target.url)) >/dev/null",
            environment: ["GNUPGHOME": try TestEnvironment.gnupgHome])
        try #require(result.succeeded, "psql did not restore \(file.lastPathComponent): \(result.stderr)")
    }

    final class Spilled: @unchecked Sendable { var blocks = -1 }

    /// Restores through `SQLRestorer` into a new database over `jobs` connections.
    @discardableResult
    static func parallelRestore(
        _ file: URL, into target: ScratchDatabase, jobs: Int = 4, bufferBytes: Int? = nil,
        spool: URL? = nil, cancellation: CancellationFlag? = nil
    ) async throws -> Int {
        let configuration = try await LifeboatConfiguration.load(
            environment: [
                "DATABASE_URL": target.url, "RESTORE_JOBS": String(jobs), "GNUPGHOME": try TestEnvironment.gnupgHome,
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            ],
            environmentFile: "/dev/null")
        var restorer = SQLRestorer(configuration: configuration)
        restorer.intoNewDatabase = true
        restorer.spoolDirectory = spool
        restorer.copyBufferBytesForTesting = bufferBytes
        let spilled = Spilled()
        restorer.spilledBlocksForTesting = { spilled.blocks = $0 }
        if let cancellation {
            // Cancelled as soon as the first bytes are read, as Ctrl-C would be mid-restore.
            restorer.cancellation = cancellation
            restorer.progress = { bytes in if bytes > 0 { cancellation.cancel(reason: "the test") } }
        }
        _ = try restorer.restore(try BackupReader.open(file, trust: .unchecked), into: target.name, serverMajor: 15)
        return spilled.blocks
    }

    /// Restores `file` both ways and compares.
    static func expectSameRestore(_ file: URL, source: ScratchDatabase, bufferBytes: Int? = nil) async throws {
        let byPsql = try ScratchDatabase(fromPagila: false)
        let inParallel = try ScratchDatabase(fromPagila: false)
        try psqlRestore(file, into: byPsql)
        let spool = try ScratchFolder()
        let spilled = try await parallelRestore(file, into: inParallel, bufferBytes: bufferBytes, spool: spool.url)
        #expect(spilled >= 0, "the parallel path ran (not psql)")
        let expected = try contents(of: byPsql)
        let actual = try contents(of: inParallel)
        #expect(expected.tables.count > 0)
        #expect(actual.tables == expected.tables, "per-table md5")
        #expect(actual.indexes == expected.indexes, "index definitions")
        #expect(actual.constraints == expected.constraints, "constraints")
        #expect(actual.triggers == expected.triggers, "triggers")
        #expect(actual.sequences == expected.sequences, "sequence values")
        #expect(try contents(of: source) == expected, "psql restored the source as it was")
        #expect(spool.files.isEmpty, "no spool files left: \(spool.files)")
    }

    /// A Lifeboat backup (`lifeboat backup`, with `arguments`) of `database`.
    static func backup(_ database: ScratchDatabase, _ folder: ScratchFolder, _ arguments: [String]) throws -> URL {
        try BackupRoundTripTests.backup(
            ["--type", "manual"] + arguments, try BackupRoundTripTests.environment(database, folder)
        ).0
    }

    @Test func pagilaInParallelIsPagilaByPsql() async throws {
        let source = try ScratchDatabase()
        let folder = try ScratchFolder()
        let file = try Self.backup(source, folder, ["--compress", "--encrypt"])
        try await Self.expectSameRestore(file, source: source)
    }

    @Test func pgbenchInParallelIsPgbenchByPsql() async throws {
        let source = try ScratchDatabase(fromPagila: false)
        let initialized = try Command.run(
            try TestEnvironment.pgBin + "/pgbench",
            ["-i", "-q", "-s", "1", "--foreign-keys", "-d", source.url])
        try #require(initialized.succeeded, "\(initialized.stderr)")
        let folder = try ScratchFolder()
        let file = try Self.backup(source, folder, ["--compress"])
        try await Self.expectSameRestore(file, source: source)
    }

    /// Tables whose foreign keys point at each other, a self reference, deferred and deferrable
    /// constraints, a partitioned table with partition indexes attached to the parent's, quoted
    /// names, a trigger and a large object.
    static let tangledSchema = """
        CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL, CONSTRAINT a_positive CHECK (id > 0));
        CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL);
        ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b DEFERRABLE INITIALLY DEFERRED;
        ALTER TABLE b ADD CONSTRAINT b_a FOREIGN KEY (a_id) REFERENCES a DEFERRABLE INITIALLY DEFERRED;
        ALTER TABLE b ADD CONSTRAINT b_one_a UNIQUE (a_id) DEFERRABLE INITIALLY IMMEDIATE;
        BEGIN;
        INSERT INTO a SELECT g, 1 + (g % 3000) FROM generate_series(1, 3000) g;
        INSERT INTO b SELECT g, 1 + ((g + 1) % 3000) FROM generate_series(1, 3000) g;
        COMMIT;
        CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree);
        INSERT INTO tree SELECT g, nullif(g / 2, 0) FROM generate_series(1, 2000) g;
        CREATE TABLE events (id bigserial, at date NOT NULL, note text, a_id int REFERENCES a, PRIMARY KEY (id, at))
            PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE INDEX events_at ON events (at);
        CREATE UNIQUE INDEX events_2024_note ON events_2024 (note);
        CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.note := coalesce(NEW.note, 'x'); RETURN NEW; END$$;
        INSERT INTO events (at, note, a_id) SELECT date '2024-01-01' + (g % 700), 'note ' || g, 1 + g % 3000 FROM generate_series(1, 6000) g;
        CREATE TRIGGER events_stamp BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION stamp();
        CREATE TABLE "Mixed Case" ("Id" int PRIMARY KEY, "the value" text);
        INSERT INTO "Mixed Case" SELECT g, 'v' || g FROM generate_series(1, 500) g;
        CREATE INDEX "Mixed index" ON "Mixed Case" ("the value");
        ALTER TABLE "Mixed Case" ADD CONSTRAINT "Mixed unique" UNIQUE ("the value");
        SELECT lo_from_bytea(0, 'large object bytes');
        """

    @Test func foreignKeyCyclePartitionsAndDeferredConstraintsInParallelAreAsByPsql() async throws {
        let source = try ScratchDatabase(fromPagila: false)
        try source.connect().query(Self.tangledSchema)
        let folder = try ScratchFolder()
        let file = try Self.backup(source, folder, ["--compress"])
        try await Self.expectSameRestore(file, source: source)
    }

    /// With a one-byte buffer every COPY block goes to the spool folder; the rows still arrive
    /// whole and the folder is empty afterwards.
    @Test func aTinyBufferSpoolsEveryBlockAndLeavesNoFiles() async throws {
        let source = try ScratchDatabase(fromPagila: false)
        try source.connect().query(Self.tangledSchema)
        let folder = try ScratchFolder()
        let file = try Self.backup(source, folder, ["--compress"])
        let target = try ScratchDatabase(fromPagila: false)
        let spool = try ScratchFolder()
        let spilled = try await Self.parallelRestore(file, into: target, bufferBytes: 1, spool: spool.url)
        #expect(spilled >= 5, "the COPY blocks went through spool files (\(spilled))")
        #expect(spool.files.isEmpty, "the spool folder is removed: \(spool.files)")
        #expect(try Self.contents(of: target) == Self.contents(of: source))
    }

    /// A hand-written dump whose `failing` statement the server refuses.
    static func dump(_ folder: ScratchFolder, rows: Int, failing: String) throws -> URL {
        var text = """
            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;
            SELECT pg_catalog.set_config('search_path', '', false);
            CREATE TABLE public.first (id integer, note text);
            CREATE TABLE public.second (id integer, note text);

            """
        for table in ["first", "second"] {
            text += "COPY public.\(table) (id, note) FROM stdin;\n"
            for row in 1...rows { text += "\(row)\tnote \(row % 7)\n" }
            text += "\\.\n"
        }
        text += failing
        let file = folder.url.appendingPathComponent("backup_manual_20260101T000000Z.sql")
        try Data(text.utf8).write(to: file)
        return file
    }

    static func line(of needle: String, in file: URL) throws -> Int {
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.hasPrefix(needle) }) + 1
    }

    @Test func aRowTheServerRefusesNamesItsLineAndTableAndLeavesNoSpoolFiles() async throws {
        let folder = try ScratchFolder()
        let file = try Self.dump(
            folder, rows: 20000, failing: "COPY public.third (id) FROM stdin;\n1\n2\nnot a number\n\\.\n")
        // A third table whose last block holds a row that is not a number, after two spooled blocks.
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
            of: "CREATE TABLE public.second",
            with: "CREATE TABLE public.third (id integer);\nCREATE TABLE public.second")
        try Data(text.utf8).write(to: file)
        let target = try ScratchDatabase(fromPagila: false)
        let spool = try ScratchFolder()
        var message = ""
        do {
            try await Self.parallelRestore(file, into: target, bufferBytes: 64, spool: spool.url)
        } catch {
            message = String(describing: error)
        }
        let line = try Self.line(of: "COPY public.third", in: file)
        #expect(message.contains("line \(line) (COPY into public.third)"), "\(message)")
        #expect(message.contains("invalid input syntax for type integer"), "the server's own message: \(message)")
        #expect(spool.files.isEmpty, "no spool files left: \(spool.files)")
    }

    @Test func anIndexOrConstraintTheServerRefusesNamesItsLine() async throws {
        let folder = try ScratchFolder()
        let failing = """
            CREATE INDEX first_id ON public.first USING btree (id);

            CREATE UNIQUE INDEX second_note ON public.second USING btree (note);

            """
        let file = try Self.dump(folder, rows: 500, failing: failing)
        let target = try ScratchDatabase(fromPagila: false)
        let spool = try ScratchFolder()
        var message = ""
        do {
            try await Self.parallelRestore(file, into: target, bufferBytes: 64, spool: spool.url)
        } catch {
            message = String(describing: error)
        }
        let line = try Self.line(of: "CREATE UNIQUE INDEX second_note", in: file)
        #expect(message.contains("line \(line) (index on public.second)"), "\(message)")
        #expect(message.contains("could not create unique index"), "the server's own message: \(message)")
        #expect(spool.files.isEmpty, "no spool files left: \(spool.files)")

        // The same for a statement that runs in order after the indexes.
        let serial = try Self.dump(
            folder, rows: 500,
            failing:
                "ALTER TABLE ONLY public.first\n    ADD CONSTRAINT first_fk FOREIGN KEY (id) REFERENCES public.nowhere(id);\n"
        )
        let again = try ScratchDatabase(fromPagila: false)
        message = ""
        do {
            try await Self.parallelRestore(serial, into: again, spool: spool.url)
        } catch {
            message = String(describing: error)
        }
        #expect(
            message.contains("line \(try Self.line(of: "ALTER TABLE ONLY public.first", in: serial))"), "\(message)")
        #expect(message.contains("relation \"public.nowhere\" does not exist"), "\(message)")
    }

    @Test func cancellingStopsEveryConnectionAndLeavesNoSpoolFiles() async throws {
        let folder = try ScratchFolder()
        let file = try Self.dump(
            folder, rows: 300_000, failing: "CREATE INDEX first_id ON public.first USING btree (id);\n")
        let target = try ScratchDatabase(fromPagila: false)
        let spool = try ScratchFolder()
        var message = ""
        do {
            try await Self.parallelRestore(
                file, into: target, bufferBytes: 64, spool: spool.url, cancellation: CancellationFlag())
        } catch {
            message = String(describing: error)
        }
        #expect(message.contains("stopped by the test before the work finished"), "\(message)")
        #expect(spool.files.isEmpty, "no spool files left: \(spool.files)")
        let indexes = try target.connect().query("SELECT count(*) FROM pg_indexes WHERE indexname = 'first_id'").scalar
        #expect(indexes == "0", "nothing after the cancellation ran")
    }

    @Test func restoreJobsZeroIsRefusedWithWhatToType() async throws {
        let configuration = try await LifeboatConfiguration.load(
            environment: ["RESTORE_JOBS": "0"], environmentFile: "/dev/null")
        #expect(throws: LifeboatError.self) { try SQLRestorer.jobs(configuration) }
        let one = try await LifeboatConfiguration.load(environment: ["RESTORE_JOBS": "1"], environmentFile: "/dev/null")
        #expect(try SQLRestorer.jobs(one) == 1, "1: psql, as before")
    }
}
