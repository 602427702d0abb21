import Foundation
import Testing
@testable import LifeboatCore
import LifeboatStreams

/// The large objects, sequences and materialized views read from a plain dump's statements
/// (issue 19 item 4), and the manifest fields that carry them.
@Suite struct DumpObjectScannerTests {
    /// As pg_dump 15 writes them, with a COPY row that only looks like a statement and an object
    /// longer than the scanner keeps of an ordinary line.
    static let longBytes = (0..<5_000).map { UInt8($0 % 251) }
    static let dump = """
        SELECT pg_catalog.lo_create('16500');
        SELECT pg_catalog.lo_create('16400');
        SELECT pg_catalog.lo_create('16600');
        CREATE MATERIALIZED VIEW public.order_counts AS
         SELECT 1 AS one
          WITH NO DATA;
        CREATE MATERIALIZED VIEW "Sales Dept"."never filled" AS
         SELECT 1 AS one
          WITH NO DATA;
        COPY public.notes (body) FROM stdin;
        SELECT pg_catalog.setval('public.fake', 99, true);
        REFRESH MATERIALIZED VIEW "Sales Dept"."never filled";
        \\.
        SELECT pg_catalog.setval('public.orders_id_seq', 60, true);
        SELECT pg_catalog.setval('"Sales Dept"."Order Items_id_seq"', 1, false);
        SELECT pg_catalog.setval('public."it''s_seq"', -5, true);
        BEGIN;

        SELECT pg_catalog.lo_open('16500', 131072);
        SELECT pg_catalog.lowrite(0, '\\x6120\(String(repeating: "6c", count: 3))');
        SELECT pg_catalog.lowrite(0, '\\x6172676520');
        SELECT pg_catalog.lo_close(0);

        SELECT pg_catalog.lo_open('16400', 131072);
        SELECT pg_catalog.lowrite(0, '\\x\(longBytes.map { String(format: "%02x", $0) }.joined())');
        SELECT pg_catalog.lo_close(0);

        COMMIT;

        REFRESH MATERIALIZED VIEW public.order_counts;

        """

    static func digest(_ bytes: [UInt8]) -> String {
        var digest = SHA256Digest()
        digest.update(bytes)
        return digest.hexDigest()
    }

    @Test(arguments: [1, 3, 7, 100, 4_096, 100_000])
    func readsObjectsWhateverTheChunking(chunkSize: Int) throws {
        let tap = RowCountTap(upstream: MemorySource(Array(Self.dump.utf8), chunkSize: chunkSize))
        try tap.pipe(to: MemorySink())
        #expect(tap.tables == [.init(schema: "public", name: "notes", rows: 2)])
        #expect(
            tap.objects.sequences == [
                .init(schema: "public", name: "orders_id_seq", lastValue: 60, isCalled: true),
                .init(schema: "Sales Dept", name: "Order Items_id_seq", lastValue: 1, isCalled: false),
                .init(schema: "public", name: "it's_seq", lastValue: -5, isCalled: true)
            ])
        #expect(
            tap.objects.materializedViews == [
                .init(schema: "public", name: "order_counts", populated: true),
                .init(schema: "Sales Dept", name: "never filled", populated: false)
            ])
        // 16600 was created and never written: an empty object.
        let expected = DumpObjectScanner.LargeObjects.summarise([
            (oid: 16400, sha256: Self.digest(Self.longBytes)),
            (oid: 16500, sha256: Self.digest(Array("a lllarge ".utf8))),
            (oid: 16600, sha256: Self.digest([]))
        ])
        #expect(tap.objects.largeObjects == expected)
        #expect(expected.count == 3)
    }

    @Test func aChangedByteOrOidChangesTheChecksum() {
        let base = DumpObjectScanner.LargeObjects.summarise([
            (oid: 1, sha256: Self.digest([1])), (oid: 2, sha256: Self.digest([2]))
        ])
        #expect(
            DumpObjectScanner.LargeObjects.summarise([
                (oid: 2, sha256: Self.digest([2])), (oid: 1, sha256: Self.digest([1]))
            ]) == base)
        #expect(
            DumpObjectScanner.LargeObjects.summarise([
                (oid: 1, sha256: Self.digest([1])), (oid: 2, sha256: Self.digest([3]))
            ]) != base)
        #expect(
            DumpObjectScanner.LargeObjects.summarise([
                (oid: 1, sha256: Self.digest([1])), (oid: 3, sha256: Self.digest([2]))
            ]) != base)
    }

    static func manifest() -> BackupManifest {
        let name = SizeAnomalyTests.name(1)
        return SizeAnomalyTests.manifest(name, dump: 10, file: 10)
    }

    /// A manifest written before these fields loads with none of them, and nothing is compared.
    @Test func anOldManifestLoadsAndChecksNothingNew() throws {
        var json = try JSONSerialization.jsonObject(with: Data(Self.manifest().encoded())) as! [String: Any]
        for key in ["large_objects", "sequences", "materialized_views", "database_properties"] {
            json.removeValue(forKey: key)
        }
        let old = try BackupManifest.decode(try JSONSerialization.data(withJSONObject: json))
        #expect(
            old.largeObjects == nil && old.sequences == nil && old.materializedViews == nil
                && old.databaseProperties == nil)
        let reading = ObjectValidator.Reading(
            largeObjects: .init(count: 9, sha256: "x"), sequences: [:], materializedViews: ["public.v": false],
            properties: nil)
        #expect(ObjectValidator.differences(old, reading).isEmpty)
        #expect(ObjectValidator.summary(old) == "")
    }

    /// The new fields survive the manifest's JSON, role names used as keys included.
    @Test func newFieldsRoundTrip() throws {
        var manifest = Self.manifest()
        manifest.largeObjects = .init(count: 2, sha256: "ab")
        manifest.sequences = [.init(schema: "public", name: "orders_id_seq", lastValue: 60, isCalled: true)]
        manifest.materializedViews = [.init(schema: "public", name: "order_counts", populated: true)]
        manifest.databaseProperties = .init(
            ClusterGlobals.DatabaseProperties(
                owner: "app_owner", encoding: "UTF8", collate: "C", ctype: "C", iculocale: nil, comment: "it's 100%",
                acl: [.init(grantee: "app_reader", privilege: "CONNECT", grantable: false)], settings: ["work_mem=8MB"],
                roleSettings: ["app_reader": ["statement_timeout=5s"]]))
        let read = try BackupManifest.decode(try manifest.encoded())
        #expect(read == manifest)
        #expect(read.databaseProperties?.properties.roleSettings == ["app_reader": ["statement_timeout=5s"]])
    }

    @Test func differencesNameTheObjectAndBothValues() throws {
        var manifest = Self.manifest()
        manifest.largeObjects = .init(count: 2, sha256: "ab")
        manifest.sequences = [
            .init(schema: "public", name: "orders_id_seq", lastValue: 60, isCalled: true),
            .init(schema: "public", name: "gone_seq", lastValue: 1, isCalled: false)
        ]
        manifest.materializedViews = [.init(schema: "public", name: "order_counts", populated: true)]
        let properties = ClusterGlobals.DatabaseProperties(
            owner: "app_owner", encoding: "UTF8", collate: "C", ctype: "C", iculocale: nil,
            comment: nil, acl: nil, settings: ["work_mem=8MB", "search_path=public"])
        manifest.databaseProperties = .init(properties)
        var live = properties
        live.settings = ["search_path=public", "work_mem=8MB"]  // order alone is no difference
        var reading = ObjectValidator.Reading(
            largeObjects: .init(count: 2, sha256: "ab"),
            sequences: ["public.orders_id_seq": (60, true), "public.gone_seq": (1, false)],
            materializedViews: ["public.order_counts": true], properties: live)
        #expect(ObjectValidator.differences(manifest, reading).isEmpty)

        reading.largeObjects = .init(count: 1, sha256: "cd")
        reading.sequences = ["public.orders_id_seq": (75, true), "public.gone_seq": nil]
        reading.materializedViews = ["public.order_counts": false]
        live.collate = "en_US.UTF-8"
        live.settings = ["search_path=public"]
        reading.properties = live
        let found = ObjectValidator.differences(manifest, reading).map(\.description)
        #expect(
            found == [
                "large objects (all): the backup has 2 (checksum ab), the database 1 (checksum cd)",
                "sequence public.orders_id_seq: the backup has 60, the database 75",
                "sequence public.gone_seq: the backup has 1 (not yet called), the database missing",
                "materialized view public.order_counts: the backup has populated, the database not populated",
                "database property LC_COLLATE: the backup has C, the database en_US.UTF-8",
                "database property setting work_mem: the backup has 8MB, the database unset"
            ])
    }
}
